#!/bin/bash
# `dominoban config [--json]`: the configuration the daemon holds, every
# key once, defaults included, in the file's syntax: `run -n` accepts it
# as a configuration; a reload shows the new values; a secret file is
# shown by path only; --json checked with jq.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_conf
command -v jq >/dev/null || skip "jq not installed (the --json checks need it)"
FAIL_LOGS="$T/daemon.err"
printf 'not-a-secret-but-private\n' >"$T/mqtt.pw"
chmod 600 "$T/mqtt.pw"
db_config <<CONF
[score]
host_threshold = 4
[ban]
ban_time = 90m
[allow]
cidrs = 192.0.2.0/24
CONF
db_start "$DB_CONF" "$T/daemon.err"

expect_eq "config" "$(rc_of $DB config)" 0
cp "$T/out" "$T/shown.conf"
grep -q "^host_threshold = 4$" "$T/out" || fail "host_threshold: $(cat "$T/out")"
grep -q "^ban_time = 1h30m$" "$T/out" || fail "ban_time: $(cat "$T/out")"
grep -q "^net_threshold = 15$" "$T/out" || fail "a default is missing: $(cat "$T/out")"
grep -q "^table = dbtest_conf$" "$T/out" || fail "table: $(cat "$T/out")"
grep -q "^cidrs = 192.0.2.0/24$" "$T/out" || fail "cidrs: $(cat "$T/out")"
grep -q "^# \[crowdsec\]: not configured" "$T/out" || fail "crowdsec: $(cat "$T/out")"
dups=$(grep -E '^[a-z_0-9]+ = ' "$T/out" | awk '{print $1}' | sort | uniq -d)
[ -z "$dups" ] || echo "note: keys in several sections: $dups"
for sec in daemon score ban nft metrics report allow; do
	[ "$(grep -c "^\[$sec\]$" "$T/out")" = 1 ] || fail "[$sec] not once: $(cat "$T/out")"
done
# What it shows is a configuration run -n accepts.
expect_eq "run -n on the shown configuration" \
	"$(rc_of "$DOMINOBAN" --config "$T/shown.conf" run -n)" 0
echo "ok: config text"

expect_eq "config --json" "$(rc_of $DB config --json)" 0
jq -e '.score.host_threshold == 4 and .ban.ban_time == 5400 and
	.score.net_threshold == 15 and (.nft.ports | index(587)) != null and
	.allow.cidrs == ["192.0.2.0/24"] and .daemon.dry_run == false and
	.metrics.textfile == null and (has("crowdsec") | not)' "$T/out" >/dev/null ||
	fail "config --json: $(cat "$T/out")"
echo "ok: config --json"

# A reload shows the new values; the secret is shown by path only.
db_config <<CONF
[score]
host_threshold = 6
[cluster]
broker = unix:$T/no-broker.sock
username = mx1
password_file = $T/mqtt.pw
CONF
$DB reload >/dev/null 2>&1
$DB config >"$T/out" 2>/dev/null
grep -q "^host_threshold = 6$" "$T/out" || fail "reload not shown: $(cat "$T/out")"
if grep -q "^\[cluster\]" "$T/out"; then
	grep -q "^password_file = $T/mqtt.pw$" "$T/out" || fail "password_file: $(cat "$T/out")"
fi
grep -q "not-a-secret" "$T/out" && fail "a secret file's content is shown"
echo "ok: after a reload"

expect_eq "config extra" "$(rc_of $DB config extra)" 64
$DB config --help | grep -q -- "--json" || fail "--help lacks --json"
echo "ok: usage"
