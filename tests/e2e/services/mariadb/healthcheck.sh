#!/bin/bash
# The official image's healthcheck.sh, for --connect and --innodb_initialized: the server
# answers a query on its socket as the healthcheck user the entrypoint created.
set -eu
exec mariadb --defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf -e 'SELECT 1' >/dev/null
