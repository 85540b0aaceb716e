#!/bin/sh
# start-postgres.sh DIR PORT — start a throwaway PostgreSQL cluster for the
# tests of functions/roles.
#
# The cluster lives in DIR/data, listens on 127.0.0.1:PORT and on a Unix
# socket in DIR. The bootstrap superuser "postgres" may connect over the
# socket without a password (trust); TCP connections need a password checked
# with SCRAM-SHA-256, as on RDS. Stop it with `pg_ctl -D DIR/data stop`
# (stop-postgres.sh does that).
#
# initdb refuses to run as root: when run as root the server runs as the
# `postgres` OS user (created by Debian's postgresql package) and DIR is
# handed to that user.
set -eu
dir=$1
port=$2
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "start-postgres.sh: no PostgreSQL server found under /usr/lib/postgresql (apt-get install -y postgresql)" >&2
	exit 2
fi
run() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
if [ "$(id -u)" = 0 ]; then
	chown postgres "$dir"
fi
run "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
	--encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
password_encryption = 'scram-sha-256'
fsync = off
max_connections = 30
CONF
run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "$bindir"
