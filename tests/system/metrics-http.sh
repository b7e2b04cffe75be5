#!/bin/bash
# [metrics] listen: the daemon serves GET /metrics from its event loop
# with libmicrohttpd (no thread). A scrape after a ban has the ban, in
# the format promtool accepts, with the exposition's content type; HEAD
# has no body; another path is 404, another method 405, garbage and an
# over-long request line refused; a client holding idle connections is capped per address and the
# endpoint serves again once they go; every answer is counted in
# dominoban_http_requests_total. A listen address that is a name exits 78
# naming the valid forms; an address already taken exits 69. Skips loudly
# in a build without libmicrohttpd, or without curl.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_mhttp
grep -q '^#define HAVE_MHD 1' "$TOP_BUILDDIR/config.h" ||
	skip "dominoban built without libmicrohttpd (configure --with-microhttpd; Debian: libmicrohttpd-dev)"
command -v curl >/dev/null || skip "curl not installed (the test's HTTP client)"
FAIL_LOGS=$T/daemon.err
URL=http://127.0.0.1:9189
db_config <<CONF
[nft]
ports = 25
[metrics]
listen = 127.0.0.1:9189
CONF
db_start "$DB_CONF" "$T/daemon.err"
grep -q 'metrics http listen=127.0.0.1:9189' "$T/daemon.err" ||
	fail "no log of the listener: $(cat "$T/daemon.err")"
db_fail_auth 198.51.100.7 5
wait_until 10 in_set $TABLE host4 198.51.100.7 || fail "198.51.100.7 not banned"

# http ARGS...: curl, printing the status code; body in $T/body, headers
# in $T/headers.
http() {
	curl -sS --max-time 10 -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@"
}
expect_eq "GET /metrics" "$(http "$URL/metrics")" 200
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" ||
	fail "content type: $(cat "$T/headers")"
expect_eq "bans in the scrape" \
	"$(metric 'dominoban_bans_total{origin="local",kind="auth"}' "$T/body")" 1
$DB metrics >"$T/cli.txt" || fail "dominoban metrics"
for m in 'dominoban_lines_read_total{file="'"$LOG"'"}' dominoban_verdicts_total \
    'dominoban_bans_active{origin="local",family="ipv4",tier="host"}'; do
	expect_eq "$m over HTTP and the socket" "$(metric "$m" "$T/body")" "$(metric "$m" "$T/cli.txt")"
done
promtool_check "$T/body"
echo "ok: a scrape over HTTP carries the same exposition as dominoban metrics"

expect_eq "HEAD /metrics" "$(http -I "$URL/metrics")" 200
# (curl -I writes the headers where the body would go.)
grep -q '^# HELP' "$T/body" && fail "HEAD answered a body"
expect_eq "GET /" "$(http "$URL/")" 404
grep -q '/metrics' "$T/body" || fail "the 404 does not say where the metrics are: $(cat "$T/body")"
expect_eq "GET /metrics/../etc/passwd" "$(http --path-as-is "$URL/metrics/../etc/passwd")" 404
expect_eq "POST /metrics" "$(http -X POST --data x=1 "$URL/metrics")" 405
grep -qi '^allow: GET, HEAD' "$T/headers" || fail "no Allow header: $(cat "$T/headers")"
# raw TEXT: send TEXT on a new connection; the answer's first line.
raw() {
	local line=
	exec 3<>/dev/tcp/127.0.0.1/9189 || fail "connect"
	printf '%b' "$1" >&3
	read -r -t 10 line <&3
	exec 3<&-
	printf '%s\n' "${line%$'\r'}"
}
r=$(raw 'GARBAGE\r\n\r\n')
case "$r" in
"" | HTTP/1.1\ 4*) echo "ok: a garbled request is refused or dropped ($r)" ;;
*) fail "a garbled request: got '$r'" ;;
esac
r=$(raw "GET /$(head -c 40000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: x\r\n\r\n")
case "$r" in
"" | HTTP/1.1\ 4*) echo "ok: a 40 kB request line is refused or dropped ($r)" ;;
*) fail "a 40 kB request line: got '$r'" ;;
esac
$DB status >/dev/null || fail "status after the hostile requests"

# Four idle connections from one address: the per-address cap; the fifth
# is refused, the daemon goes on; once they close, scrapes work again.
for fd in 4 5 6 7; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/9189" || fail "idle connection $fd"
done
sleep 0.5
r=$(http "$URL/metrics" 2>/dev/null)
[ "$r" != 200 ] || fail "a fifth connection from one address was served"
$DB status >/dev/null || fail "status while the endpoint is full"
for fd in 4 5 6 7; do
	eval "exec $fd<&-"
done
wait_until 10 eval 'test "$(http "$URL/metrics")" = 200' || fail "no scrape after the idle clients left"
echo "ok: idle clients are capped per address and the endpoint recovers"

$DB metrics >"$T/cli.txt" || fail "dominoban metrics"
[ "$(metric 'dominoban_http_requests_total{code="200"}' "$T/cli.txt")" -ge 3 ] ||
	fail "200s not counted: $(grep http_requests "$T/cli.txt")"
expect_eq "404s counted" "$(metric 'dominoban_http_requests_total{code="404"}' "$T/cli.txt")" 2
expect_eq "405s counted" "$(metric 'dominoban_http_requests_total{code="405"}' "$T/cli.txt")" 1
echo "ok: the answers are counted"

# The address taken: a second daemon (its own state, socket and table)
# exits 69 and says why.
sed -e "s|$T/state|$T/state2|; s|$T/control.sock|$T/control2.sock|; s|table = $TABLE|table = ${TABLE}2|" \
	"$DB_CONF" >"$T/second.conf"
expect_eq "second daemon on the same address" \
	"$(rc_of timeout 20 "$DOMINOBAN" --config "$T/second.conf" run --foreground)" 69
grep -q 'listen = 127.0.0.1:9189: cannot listen there' "$T/err" || fail "message: $(cat "$T/err")"
db_stop
expect_eq "exit status" "$DB_RC" 0

# A name is not an address: exit 78 naming the valid forms.
sed -i 's|^listen = .*|listen = localhost:9189|' "$DB_CONF"
expect_eq "listen = localhost:9189" "$(rc_of timeout 20 $DB run --foreground)" 78
grep -q 'ADDR:PORT or \[IPV6\]:PORT' "$T/err" || fail "message: $(cat "$T/err")"
echo "ok: bad and taken listen addresses stop the start with a clear message"
