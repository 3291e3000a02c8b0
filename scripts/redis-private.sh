#!/bin/sh
# redis-private.sh {start|stop|restart|status} DIR [PORT]
#
# A private Redis 7 from Debian's binaries, for `avp up` and for the tests.
# Everything lives in DIR:
#   DIR/redis.conf     the configuration (rewritten at every start)
#   DIR/redis.sock     the Unix socket
#   DIR/redis.pid      the pid file of the daemonized server
#   DIR/redis.log      the server log
#   DIR/appendonlydir  the append-only file
#   DIR/port           the PORT of the last start (reused when omitted)
#
# Without PORT the server listens on no TCP port at all (port 0), only on
# the socket, which is reachable by the owner alone (mode 700). With PORT it
# also listens on 127.0.0.1:PORT.
#
# The append-only file is on (fsync every second) because the task stream
# and its consumer group must survive a restart: a worker's unacknowledged
# task is still pending after Redis comes back. RDB snapshots are off.
#
# Every command is idempotent: start on a running server prints its URL
# (restart to change the port), stop on a stopped one succeeds. Only the URL goes to stdout (start, status),
# so callers can write URL=$(redis-private.sh start DIR).
# Exit codes: 0 ok, 1 failure (status: not running), 2 usage,
# 77 redis-server is not installed (the tests skip on it).
set -eu

SERVER=${AVP_REDIS_SERVER:-/usr/bin/redis-server}
CLI=${AVP_REDIS_CLI:-/usr/bin/redis-cli}

usage() {
    echo "usage: $0 {start|stop|restart|status} DIR [PORT]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port_arg=${3:-}

if [ ! -x "$SERVER" ] || [ ! -x "$CLI" ]; then
    echo "redis-private: $SERVER or $CLI not found (install Debian's redis-server)" >&2
    exit 77
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
sock=$dir/redis.sock
pidfile=$dir/redis.pid
if [ -n "$port_arg" ]; then
    port=$port_arg
elif [ -f "$dir/port" ]; then
    port=$(cat "$dir/port")
else
    port=0
fi

url() {
    if [ "$port" != 0 ]; then
        echo "redis://127.0.0.1:$port"
    else
        echo "unix://$sock"
    fi
}

# alive PID: the process exists and has not exited. A daemonized server's
# parent is PID 1, which in a container may never reap it, so an exited
# server can linger as a zombie that kill -0 still finds.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# pid: prints the server's pid if the pid file names a live redis-server
# (not some other process that reused the number).
pid() {
    [ -f "$pidfile" ] || return 1
    p=$(cat "$pidfile")
    [ -n "$p" ] && alive "$p" || return 1
    grep -q redis-server "/proc/$p/cmdline" 2>/dev/null || return 1
    echo "$p"
}

answers() {
    [ "$("$CLI" -s "$sock" ping 2>/dev/null)" = PONG ]
}

write_config() {
    # The socket path must fit in sun_path (108 bytes).
    if [ ${#sock} -gt 100 ]; then
        echo "redis-private: socket path too long: $sock" >&2
        exit 1
    fi
    cat > "$dir/redis.conf" <<EOF
daemonize yes
pidfile $pidfile
dir $dir
logfile $dir/redis.log
unixsocket $sock
unixsocketperm 700
port $port
bind 127.0.0.1
protected-mode yes
appendonly yes
appendfsync everysec
save ""
EOF
}

start() {
    if pid >/dev/null && answers; then
        # Running already: the URL it listens on, whatever PORT says now.
        port=$(cat "$dir/port" 2>/dev/null || echo 0)
        url
        return 0
    fi
    write_config
    echo "$port" > "$dir/port"
    rm -f "$pidfile"
    "$SERVER" "$dir/redis.conf" >/dev/null
    # PING answers PONG only once the append-only file is loaded; before
    # that it answers LOADING, and clients must not be let in yet.
    i=0
    while ! answers; do
        i=$((i + 1))
        if [ $i -gt 200 ]; then
            echo "redis-private: server did not answer within 10 s; see $dir/redis.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    url
}

stop() {
    p=$(pid) || { rm -f "$pidfile"; return 0; }
    # SIGTERM makes Redis fsync the append-only file and exit cleanly.
    kill -TERM "$p"
    i=0
    while alive "$p"; do
        i=$((i + 1))
        if [ $i -gt 200 ]; then
            echo "redis-private: pid $p did not stop within 10 s" >&2
            exit 1
        fi
        sleep 0.05
    done
    rm -f "$pidfile"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) pid >/dev/null && answers && url ;;
    *) usage ;;
esac
