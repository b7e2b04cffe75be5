#!/bin/bash
# dominoban in a CrowdSec deployment, both ways, against a real LAPI
# (Debian's crowdsec, a private LAPI-only instance on the loopback of this
# test's network namespace; tests/system/crowdsec-lib.sh), with real
# packets:
# - a ban dominoban decides reaches the LAPI as a decision of origin
#   dominoban, and is not pulled back as a crowdsec ban;
# - cscli decisions add --ip and --range reach the kernel sets within
#   pull_interval and a margin, and stop the addresses' connections;
#   cscli decisions delete lifts them;
# - a decision for an allowlisted address is not applied;
# - a secret file that others may read is refused (exit 78);
# - LAPI stopped: local bans go on and wait in the queue; LAPI back (its
#   restart voids our token: 401, login again): they arrive, once.
# Skips loudly when crowdsec is not installed.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
. "$TOP_SRCDIR/tests/system/crowdsec-lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_cs
cs_need
"$DOMINOBAN" --version >/dev/null || fail "no dominoban"

for a in 198.51.100.7 198.51.100.8 203.0.113.9 203.0.113.99 203.0.113.200 \
    192.0.2.60; do
	ip addr add "$a/32" dev lo || skip "cannot add addresses in the namespace"
done

cs_setup
cs_start
echo "ok: private LAPI on 127.0.0.1:$CS_PORT"

db_config <<CONF
[nft]
ports = 25
[allow]
cidrs = 192.0.2.60/32
own_addresses = no
$(cs_config <<CS
pull_interval = 1s
CS
)
CONF
# A secret file others may read is refused, naming the file and the fix.
chmod 644 "$CS_KEYFILE"
rc=$(rc_of $DOMINOBAN --config "$DB_CONF" run --foreground)
expect_eq "exit status with a mode 0644 bouncer_key_file" "$rc" 78
grep -q "bouncer_key_file $CS_KEYFILE: mode 0644.*chmod 600" "$T/err" ||
	fail "refusal message: $(cat "$T/err")"
chmod 600 "$CS_KEYFILE"

FAIL_LOGS="$T/daemon.err $CS/crowdsec.log"
db_start "$DB_CONF" "$T/daemon.err"
wait_until 10 grep -q 'crowdsec lapi=.* up' "$T/daemon.err" ||
	fail "the daemon did not reach the LAPI: $(cat "$T/daemon.err")"
echo "ok: the daemon pulled from the LAPI"

db_listen 0.0.0.0 25

# 1. Push: a local ban becomes a LAPI decision of origin dominoban.
db_fail_auth 198.51.100.7 5
wait_until 10 in_set $TABLE host4 198.51.100.7 ||
	fail "198.51.100.7 not banned locally"
wait_until 15 eval 'test "$(cs_decision_origin 198.51.100.7)" = dominoban' ||
	fail "no dominoban decision for 198.51.100.7 in the LAPI: $($CSCLI decisions list -a -o json)"
echo "ok: a local ban is a LAPI decision of origin dominoban"
expect_eq "alerts for the local ban" "$(cs_alerts_for 198.51.100.7)" 1
$CSCLI alerts list -a -o json | jq -e '[.[] | select(.source.value == "198.51.100.7")][0] |
	.scenario == "dominoban/smtp-auth" and .events_count == 5' >/dev/null ||
	fail "alert fields: $($CSCLI alerts list -a -o json)"
echo "ok: the alert's scenario and event count"

# 2. Pull: --ip and --range into the kernel sets, and packets stop.
r=$("$PROBE" connect 203.0.113.9 127.0.0.1 25 2000)
expect_eq "connect from 203.0.113.9 before its decision" "$r" CONNECTED
$CSCLI decisions add --ip 192.0.2.60 --duration 1h >/dev/null 2>&1 ||
	fail "cscli decisions add (allowlisted)"
$CSCLI decisions add --ip 203.0.113.9 --duration 1h >/dev/null 2>&1 ||
	fail "cscli decisions add --ip"
$CSCLI decisions add --range 203.0.113.128/25 --duration 30m >/dev/null 2>&1 ||
	fail "cscli decisions add --range"
wait_until 5 in_set $TABLE host4 203.0.113.9 ||
	fail "203.0.113.9 not in host4 within 5 s: $(set_elements $TABLE host4)"
wait_until 5 in_set $TABLE net4 203.0.113.128/25 ||
	fail "203.0.113.128/25 not in net4 within 5 s: $(set_elements $TABLE net4)"
echo "ok: cscli decisions add --ip and --range reach host4 and net4"
r=$("$PROBE" connect 203.0.113.9 127.0.0.1 25 1000)
[ "$r" != CONNECTED ] || fail "203.0.113.9 still connects"
r=$("$PROBE" connect 203.0.113.200 127.0.0.1 25 1000)
[ "$r" != CONNECTED ] || fail "203.0.113.200 (in the range) still connects"
r=$("$PROBE" connect 203.0.113.99 127.0.0.1 25 2000)
expect_eq "connect from 203.0.113.99 (innocent)" "$r" CONNECTED
echo "ok: pulled decisions stop real packets, not an innocent's"

# The allowlisted decision came in the same answer: refused, counted.
in_set $TABLE host4 192.0.2.60 && fail "allowlisted 192.0.2.60 was banned"
$DB status --json | jq -e '.crowdsec.pulled.allowlisted >= 1' >/dev/null ||
	fail "allowlisted decision not counted: $($DB status --json)"
echo "ok: a decision for an allowlisted address is not applied"

# The client in the metrics.
$DB metrics >"$T/m" || fail "metrics"
expect_eq "LAPI up (metric)" "$(metric dominoban_crowdsec_lapi_up "$T/m")" 1
[ "$(metric 'dominoban_crowdsec_decisions_total{result="banned"}' "$T/m")" -ge 2 ] ||
	fail "pulled bans: $(grep crowdsec_decisions "$T/m")"
[ "$(metric 'dominoban_crowdsec_decisions_total{result="skipped"}' "$T/m")" -ge 1 ] ||
	fail "skipped decisions (the allowlisted one): $(grep crowdsec_decisions "$T/m")"
expect_eq "alerts sent (metric)" "$(metric 'dominoban_crowdsec_alerts_total{result="sent"}' "$T/m")" 1
grep -q '^dominoban_bans_active{origin="crowdsec",family="ipv4",tier="host"} [1-9]' "$T/m" ||
	fail "CrowdSec bans by origin: $(grep bans_active "$T/m")"
promtool_check "$T/m"
dashboard_has_metrics dominoban_crowdsec_ "$T/m"
echo "ok: the CrowdSec client's counters are in the metrics"

# list: origins, and the filter.
$DB list --origin crowdsec >"$T/list" 2>/dev/null || fail "list --origin"
grep -q '^203\.0\.113\.9 .*crowdsec:cscli' "$T/list" ||
	fail "list --origin crowdsec: $(cat "$T/list")"
grep -q '198\.51\.100\.7' "$T/list" &&
	fail "our own ban was pulled back as crowdsec's: $(cat "$T/list")"
$DB list --origin local | grep -q '^198\.51\.100\.7 .*local' ||
	fail "list --origin local: $($DB list)"
echo "ok: list --origin crowdsec and local; our ban is not pulled back"

# Delete: lifted.
$CSCLI decisions delete --ip 203.0.113.9 >/dev/null 2>&1 ||
	fail "cscli decisions delete --ip"
$CSCLI decisions delete --range 203.0.113.128/25 >/dev/null 2>&1 ||
	fail "cscli decisions delete --range"
wait_until 5 eval '! in_set $TABLE host4 203.0.113.9' ||
	fail "203.0.113.9 still in host4 after delete"
wait_until 5 eval '! in_set $TABLE net4 203.0.113.128/25' ||
	fail "203.0.113.128/25 still in net4 after delete"
in_set $TABLE host4 198.51.100.7 || fail "the local ban went with them"
echo "ok: cscli decisions delete lifts them; the local ban stays"

# 3. LAPI down: local banning goes on, alerts wait; back: they arrive once.
cs_stop
db_fail_auth 198.51.100.8 5
wait_until 10 in_set $TABLE host4 198.51.100.8 ||
	fail "local ban while the LAPI is down"
wait_until 15 eval '$DB status --json | jq -e ".crowdsec.state == \"down\" and .crowdsec.pushed.queue >= 1"' ||
	fail "status does not show the LAPI down with a queued alert: $($DB status --json | jq .crowdsec)"
$DB status | grep -q 'crowdsec LAPI: .*DOWN' || fail "status text: $($DB status)"
echo "ok: LAPI down: local ban made, alert queued, status says so"
cs_start
wait_until 60 eval 'test "$(cs_alerts_for 198.51.100.8)" = 1' ||
	fail "the queued alert did not arrive: $($CSCLI alerts list -a -o json)"
wait_until 10 eval '$DB status --json | jq -e ".crowdsec.state == \"up\" and .crowdsec.pushed.queue == 0"' ||
	fail "queue not drained: $($DB status --json | jq .crowdsec)"
sleep 2
expect_eq "alerts for 198.51.100.8 after the LAPI came back" \
	"$(cs_alerts_for 198.51.100.8)" 1
expect_eq "alerts for 198.51.100.7 (sent before)" "$(cs_alerts_for 198.51.100.7)" 1
$DB status --json | jq -e '.crowdsec.pushed.logins >= 2' >/dev/null ||
	fail "no new login after the LAPI restart: $($DB status --json | jq .crowdsec)"
echo "ok: LAPI back: the queued alert arrived once (after a new login)"

# 4. Dry run switched on by a reload: nothing bans through CrowdSec. A
# manual ban before it is pushed (the control); one after it is not.
expect_eq "ban 198.51.100.30 (live)" "$(rc_of $DB ban 198.51.100.30 --for 1h)" 0
wait_until 30 eval 'test "$(cs_alerts_for 198.51.100.30)" = 1' ||
	fail "a manual ban was not pushed: $($CSCLI alerts list -a -o json)"
printf '[daemon]\ndry_run = yes\n' >>"$DB_CONF"
expect_eq "reload into dry run" "$(rc_of $DB reload)" 0
expect_eq "ban 198.51.100.31 (dry run)" "$(rc_of $DB ban 198.51.100.31 --for 1h)" 0
sleep 3
expect_eq "alerts for a ban made in dry run" "$(cs_alerts_for 198.51.100.31)" 0
echo "ok: after a reload into dry run, no ban is pushed"

db_stop
expect_eq "daemon exit status" "$DB_RC" 0
grep -q 'fatal\|ERROR' "$T/daemon.err" && fail "errors: $(cat "$T/daemon.err")"
echo "PASS"
