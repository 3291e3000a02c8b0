#!/bin/sh
# test_pg_private.sh SCRIPT DIR - scripts/pg-private.sh on the fixture's
# running cluster: start and status are idempotent and print the same URL,
# the URL connects to database avp, stop twice is fine, status reports a
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

"$script" stop "$dir"
"$script" stop "$dir"
if "$script" status "$dir" 2>/dev/null; then
    fail "status succeeds on a stopped cluster"
fi
c=$("$script" start "$dir")
[ "$c" = "$a" ] || fail "restart printed '$c', not '$a'"
echo "ok   pg-private.sh start/status/stop idempotent"
