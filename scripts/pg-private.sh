#!/bin/sh
# pg-private.sh {start|stop|restart|status} DIR [PORT]
#
# A private PostgreSQL 15 cluster from Debian's binaries, for `avp up` and
# for the tests. Everything lives in DIR:
#   DIR/data   the cluster (initdb on first start)
#   DIR/run    the Unix socket directory
#   DIR/log    the server log
#   DIR/port   the port chosen at first start (reused when PORT is omitted)
#   DIR/url    the connection URL, also printed on stdout by start/status
#
# Only the user running this script (and the server's own user) gets in,
# as `avp up` does it (src/cli/services.c): DIR, data, run and log are 0700
# and so is the socket, and the socket takes peer authentication through a
# map (pg_ident.conf) to the database user avp. Both files are rewritten on
# every start, so a cluster made by an older version (trust, 0755) is
# tightened. Without PORT the server listens on no TCP address at all (the
# port then only names the socket file); with PORT it also listens on
# 127.0.0.1, where a password is required (scram-sha-256).
#
# PostgreSQL refuses to run as root; when run as root (CI), the server runs
# as the system user `avp`, created if missing, which then owns DIR.
#
# Every command is idempotent: start on a running cluster prints the URL,
# stop on a stopped one succeeds. Only the URL goes to stdout, so callers
# can write URL=$(pg-private.sh start DIR).
set -eu
umask 077

PGBIN=${AVP_PG_BIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=avp

usage() {
    echo "usage: $0 {start|stop|restart|status} DIR [PORT]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port_arg=${3:-}

if [ ! -x "$PGBIN/initdb" ]; then
    echo "pg-private: $PGBIN/initdb not found (install Debian's postgresql-15)" >&2
    exit 77
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
data=$dir/data
run=$dir/run

# as_pg CMD...: run CMD as the user that owns the cluster.
if [ "$(id -u)" = 0 ]; then
    if ! id -u "$PGUSER_OS" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home \
                --home-dir /nonexistent --shell /usr/sbin/nologin "$PGUSER_OS"
    fi
    as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
    as_pg() { "$@"; }
fi

# The server user must be able to reach DIR through its parents; a 0700
# parent (a root home, mktemp -d) would make initdb fail obscurely later.
check_reachable() {
    if ! as_pg test -x "$dir"; then
        echo "pg-private: $dir is not reachable by user $(as_pg id -un);" \
             "make its parent directories traversable (chmod o+x)" >&2
        exit 1
    fi
}

port() {
    if [ -n "$port_arg" ]; then
        echo "$port_arg"
    elif [ -f "$dir/port" ]; then
        cat "$dir/port"
    else
        echo 5432
    fi
}

url() {
    echo "postgresql:///avp?host=$run&port=$(port)&user=avp"
}

# The folders belong to the server's user alone, on every start.
restrict_dirs() {
    mkdir -p "$data" "$run" "$dir/log"
    if [ "$(id -u)" = 0 ]; then
        chown "$PGUSER_OS:" "$dir" "$data" "$run" "$dir/log"
    fi
    chmod 700 "$dir" "$data" "$run" "$dir/log"
}

# Peer authentication mapped to the database user avp for the user running
# this script and the server's own; a password over TCP.
write_auth() {
    as_pg tee "$data/pg_ident.conf" >/dev/null <<EOF
# Written by scripts/pg-private.sh on every start.
avp $(id -un) avp
avp $PGUSER_OS avp
EOF
    as_pg tee "$data/pg_hba.conf" >/dev/null <<EOF
# Written by scripts/pg-private.sh on every start: peer on the socket
# through the map in pg_ident.conf (also for a streaming replica's
# pg_basebackup and walreceiver), a password on 127.0.0.1.
local all all peer map=avp
local replication all peer map=avp
host all all 127.0.0.1/32 scram-sha-256
EOF
}

init_cluster() {
    restrict_dirs
    [ -f "$data/PG_VERSION" ] && return 0
    check_reachable
    echo "pg-private: initdb $data" >&2
    as_pg "$PGBIN/initdb" -D "$data" -U avp --auth-local=peer \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 || {
        cat "$dir/log/initdb.log" >&2
        exit 1
    }
    # Settings that start/restart rewrite live in an included file.
    echo "include_if_exists = 'avp.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
}

write_settings() {
    p=$(port)
    listen="''"
    # Without a port argument keep whatever the first start chose.
    if [ -n "$port_arg" ] || grep -qs "^listen_addresses = '127" "$data/avp.conf"; then
        listen="'127.0.0.1'"
    fi
    as_pg tee "$data/avp.conf" >/dev/null <<EOF
# Written by scripts/pg-private.sh on every start.
port = $p
listen_addresses = $listen
unix_socket_directories = '$run'
unix_socket_permissions = 0700
fsync = on
max_connections = 200
shared_buffers = 128MB
logging_collector = off
EOF
    echo "$p" > "$dir/port"
}

running() {
    [ -f "$data/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

wait_ready() {
    i=0
    until "$PGBIN/pg_isready" -q -h "$run" -p "$(port)" -d postgres -U avp; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            echo "pg-private: server did not become ready; see $dir/log/postgres.log" >&2
            exit 1
        fi
        sleep 0.1
    done
}

ensure_database() {
    exists=$("$PGBIN/psql" -X -q -t -A -h "$run" -p "$(port)" -U avp -d postgres \
             -c "SELECT 1 FROM pg_database WHERE datname = 'avp'")
    if [ "$exists" != 1 ]; then
        "$PGBIN/createdb" -h "$run" -p "$(port)" -U avp avp
    fi
}

pg_ctl_start() {
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/log/postgres.log" -w -t 60 "$@" >/dev/null || {
        tail -n 20 "$dir/log/postgres.log" >&2
        exit 1
    }
}

# The socket's path must fit in sockaddr_un (107 bytes); PostgreSQL's own
# message for this is easy to miss in the log.
sock="$run/.s.PGSQL.$(port)"
if [ ${#sock} -gt 107 ]; then
    echo "pg-private: socket path $sock is longer than 107 bytes; use a shorter DIR" >&2
    exit 1
fi

case $cmd in
start)
    init_cluster
    check_reachable
    write_auth
    if running; then
        as_pg "$PGBIN/pg_ctl" -D "$data" reload >/dev/null
    else
        write_settings
        pg_ctl_start start
    fi
    wait_ready
    ensure_database
    url | tee "$dir/url"
    ;;
restart)
    [ -f "$data/PG_VERSION" ] || { echo "pg-private: no cluster in $dir" >&2; exit 1; }
    restrict_dirs
    write_auth
    write_settings
    pg_ctl_start -m fast restart
    wait_ready
    url | tee "$dir/url"
    ;;
stop)
    if running; then
        as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
status)
    if running; then
        url
    else
        echo "pg-private: not running ($dir)" >&2
        exit 3
    fi
    ;;
*)
    usage
    ;;
esac
