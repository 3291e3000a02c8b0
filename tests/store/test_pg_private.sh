#!/bin/sh
# test_pg_private.sh SCRIPT DIR - scripts/pg-private.sh on the fixture's
# running cluster: start and status are idempotent and print the same URL,
# the URL connects to database avp, only through peer authentication on a
# private socket, stop twice is fine, status reports a
# stopped cluster, and start brings it back (as the fixture expects).
set -eu
script=$1
dir=$2
psql=/usr/lib/postgresql/15/bin/psql
[ -x "$psql" ] || { echo "SKIP: PostgreSQL 15 is not installed"; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

a=$("$script" start "$dir")
b=$("$script" start "$dir")
s=$("$script" status "$dir")
[ -n "$a" ] || fail "start printed no URL"
[ "$a" = "$b" ] || fail "second start printed '$b', not '$a'"
[ "$a" = "$s" ] || fail "status printed '$s', not '$a'"
[ "$(cat "$dir/url")" = "$a" ] || fail "$dir/url differs from '$a'"
[ "$("$psql" -X -tAc 'SELECT current_database()' "$a")" = avp ] || fail "cannot query $a"
[ "$("$psql" -X -tAc 'SHOW fsync' "$a")" = on ] || fail "fsync is not on"
[ "$("$psql" -X -tAc 'SHOW listen_addresses' "$a")" = "" ] || fail "listens on TCP"
# Only its own users reach it: no trust, private folders and socket.
[ "$("$psql" -X -tAc "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'" "$a")" = 0 ] ||
    fail "pg_hba.conf trusts someone"
[ "$("$psql" -X -tAc 'SHOW unix_socket_permissions' "$a")" = 0700 ] || fail "socket is not 0700"
for d in "$dir" "$dir/data" "$dir/run" "$dir/log"; do
    [ "$(stat -c %a "$d")" = 700 ] || fail "$d is $(stat -c %a "$d")"
done

"$script" stop "$dir"
"$script" stop "$dir"
if "$script" status "$dir" 2>/dev/null; then
    fail "status succeeds on a stopped cluster"
fi
c=$("$script" start "$dir")
[ "$c" = "$a" ] || fail "restart printed '$c', not '$a'"
echo "ok   pg-private.sh start/status/stop idempotent"
