#!/bin/sh
# The official image's entrypoint, in its essentials: flags go to redis-server; as root,
# own /data and drop to redis; listen on every interface like the official build.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  chown -R redis . 2>/dev/null || true
  exec gosu redis "$0" "$@"
fi
if [ "$1" = 'redis-server' ]; then
  shift
  set -- redis-server --protected-mode no --bind '* -::*' --dir /data "$@"
fi
exec "$@"
