#!/bin/sh
# stop-postgres.sh DIR — stop the cluster start-postgres.sh started in DIR.
set -eu
dir=$1
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" = 0 ]; then
	runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
else
	"$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
fi
