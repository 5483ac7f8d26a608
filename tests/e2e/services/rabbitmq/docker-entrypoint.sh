#!/bin/sh
# The official image's entrypoint, in its essentials: as root, own the data folder and drop to
# rabbitmq; refuse the password variables it no longer takes; run the command.
set -e
if [ "${1#rabbitmq}" != "$1" ] && [ "$(id -u)" = '0' ]; then
  chown -R rabbitmq /var/lib/rabbitmq
  exec gosu rabbitmq "$0" "$@"
fi
for old in RABBITMQ_DEFAULT_PASS_FILE RABBITMQ_DEFAULT_USER_FILE; do
  if eval "[ -n \"\${$old:-}\" ]"; then echo "error: $old is set but deprecated" >&2; exit 1; fi
done
exec "$@"
