#!/bin/bash
# The official image's entrypoint, in its essentials: as root, own the data folder and
# drop to mysql; initialise an empty data folder from MARIADB_* (or *_FILE); run.
set -euo pipefail

file_env() { # VAR: $VAR, or the contents of the file $VAR_FILE names
  local var=$1 file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then export "$var"="$(< "${!file_var}")"; fi
}
sql_quote() { printf "%s" "${1//\'/\'\'}"; }

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
if [ "$1" = 'mariadbd' ] && [ "$(id -u)" = '0' ]; then
  chown mysql:mysql /var/lib/mysql
  exec gosu mysql "$BASH_SOURCE" "$@"
fi
if [ "$1" = 'mariadbd' ] && [ ! -d /var/lib/mysql/mysql ]; then
  for v in MARIADB_ROOT_PASSWORD MARIADB_DATABASE MARIADB_USER MARIADB_PASSWORD; do file_env "$v"; done
  if [ -z "${MARIADB_ROOT_PASSWORD:-}" ]; then
    echo 'error: database is uninitialized and MARIADB_ROOT_PASSWORD (or _FILE) is not set' >&2
    exit 1
  fi
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  mariadbd --skip-networking --socket=/run/mysqld/mysqld.sock &
  pid=$!
  for _ in $(seq 60); do mariadb-admin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 && break; sleep 1; done
  health=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sql_quote "$MARIADB_ROOT_PASSWORD")';"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$health';"
    if [ -n "${MARIADB_DATABASE:-}" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"; fi
    if [ -n "${MARIADB_USER:-}" ]; then
      echo "CREATE USER '$(sql_quote "$MARIADB_USER")'@'%' IDENTIFIED BY '$(sql_quote "${MARIADB_PASSWORD:-}")';"
      if [ -n "${MARIADB_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$(sql_quote "$MARIADB_USER")'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket=/run/mysqld/mysqld.sock -uroot
  printf '[client]\nuser=healthcheck\npassword=%s\nprotocol=socket\nsocket=/run/mysqld/mysqld.sock\n' "$health" \
    > /var/lib/mysql/.my-healthcheck.cnf
  chmod 600 /var/lib/mysql/.my-healthcheck.cnf
  kill "$pid"; wait "$pid" || true
  echo 'MariaDB init process done. Ready for start up.'
fi
exec "$@"
