# A private CrowdSec Local API for the tests and benchmarks: sourced, not
# run, after tests/system/lib.sh, inside the test's network namespace.
#
# Debian's crowdsec package (1.4.6) is the server. Its configuration in
# /etc/crowdsec is copied into $T/cs, pointed at $T/cs for its database,
# logs and credentials, cut off from the Central API (online_client
# removed), and served LAPI-only (crowdsec -no-cs) on 127.0.0.1:CS_PORT of
# the test's own namespace. The package's own service is never used.

CS_PORT=${CS_PORT:-18080}

# cs_need: skip loudly unless the crowdsec package is installed.
cs_need() {
	command -v crowdsec >/dev/null && command -v cscli >/dev/null &&
		[ -f /etc/crowdsec/config.yaml ] ||
		skip "crowdsec is not installed (apt-get install crowdsec; .ci/run does it with the offline workaround of docs/CROWDSEC.md)"
	command -v python3 >/dev/null || skip "python3 not installed (rewrites the LAPI's config)"
	command -v jq >/dev/null || skip "jq not installed (reads cscli's JSON)"
}

# cs_setup: the private LAPI's configuration in $T/cs, a machine for cscli
# (credentials in $T/cs/etc), a machine for dominoban (CS_MACHINE, its
# password in CS_PASSFILE) and a bouncer (its key in CS_KEYFILE), both
# files mode 0600.
cs_setup() {
	CS=$T/cs
	mkdir -p "$CS/etc" "$CS/data"
	cp -a /etc/crowdsec/. "$CS/etc/"
	rm -f "$CS/etc/config.yaml.local"
	python3 - "$CS" "$CS_PORT" <<'PY' || fail "cannot rewrite the LAPI config"
import re, sys
d, port = sys.argv[1], sys.argv[2]
p = d + "/etc/config.yaml"
s = open(p).read()
s = re.sub(r"daemonize: true", "daemonize: false", s)
s = re.sub(r"log_dir: .*", "log_dir: %s/" % d, s)
s = re.sub(r"config_dir: .*", "config_dir: %s/etc/" % d, s)
s = re.sub(r"data_dir: .*", "data_dir: %s/data/" % d, s)
s = re.sub(r"simulation_path: .*", "simulation_path: %s/etc/simulation.yaml" % d, s)
s = re.sub(r"acquisition_path: .*", "acquisition_path: %s/etc/acquis.yaml" % d, s)
s = re.sub(r"db_path: .*", "db_path: %s/data/crowdsec.db\n  use_wal: true" % d, s)
s = re.sub(r"credentials_path: .*local_api_credentials.yaml",
           "credentials_path: %s/etc/local_api_credentials.yaml" % d, s)
s = re.sub(r"listen_uri: .*", "listen_uri: 127.0.0.1:%s" % port, s)
s = re.sub(r"profiles_path: .*", "profiles_path: %s/etc/profiles.yaml" % d, s)
s = re.sub(r"console_path: .*", "console_path: %s/etc/console.yaml" % d, s)
# No Central API: nothing leaves the machine.
s = re.sub(r"    online_client:.*\n      credentials_path:.*\n", "", s)
# No metrics listener on a fixed port.
s = re.sub(r"prometheus:\n  enabled: true", "prometheus:\n  enabled: false", s)
open(p, "w").write(s)
PY
	printf 'url: http://127.0.0.1:%s\nlogin: none\npassword: none\n' \
		"$CS_PORT" >"$CS/etc/local_api_credentials.yaml"
	CSCLI="cscli -c $CS/etc/config.yaml"
	$CSCLI machines add cscli-test --auto --force >"$CS/setup.log" 2>&1 ||
		fail "cscli machines add: $(cat "$CS/setup.log")"
	CS_MACHINE=dominoban-test
	CS_PASSFILE=$T/cs-password
	CS_KEYFILE=$T/cs-bouncer-key
	(umask 077; printf 'pw-%s-%s\n' "$$" "$RANDOM$RANDOM" >"$CS_PASSFILE"
	 printf 'key%s%s%s\n' "$$" "$RANDOM" "$RANDOM" >"$CS_KEYFILE")
	$CSCLI machines add "$CS_MACHINE" --password "$(cat "$CS_PASSFILE")" \
		-f /dev/null >>"$CS/setup.log" 2>&1 ||
		fail "cscli machines add: $(cat "$CS/setup.log")"
	$CSCLI bouncers add dominoban-test -k "$(cat "$CS_KEYFILE")" \
		>>"$CS/setup.log" 2>&1 ||
		fail "cscli bouncers add: $(cat "$CS/setup.log")"
}

# cs_start: start the LAPI (CS_PID) and wait until it answers.
cs_start() {
	crowdsec -c "$CS/etc/config.yaml" -no-cs >>"$CS/stdout.log" 2>&1 &
	CS_PID=$!
	DAEMON_PIDS="$DAEMON_PIDS $CS_PID"
	wait_until 20 cs_answers ||
		fail "the LAPI did not come up: $(tail -5 "$CS/crowdsec.log" "$CS/stdout.log")"
}
cs_answers() {
	$CSCLI decisions list -o json
}

# cs_stop: stop the LAPI and wait for it.
cs_stop() {
	kill "$CS_PID" 2>/dev/null
	wait "$CS_PID" 2>/dev/null
	DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\\b$CS_PID\\b//")
}

# cs_config: the [crowdsec] section of a daemon using this LAPI; lines on
# stdin follow.
cs_config() {
	printf '[crowdsec]\nlapi_url = http://127.0.0.1:%s/\nmachine_id = %s\n' \
		"$CS_PORT" "$CS_MACHINE"
	printf 'password_file = %s\nbouncer_key_file = %s\n' "$CS_PASSFILE" \
		"$CS_KEYFILE"
	cat
}

# cs_decision_origin VALUE: the origin of the LAPI's active decision on
# VALUE ("" when none), as cscli lists it with -a (all origins).
cs_decision_origin() {
	$CSCLI decisions list -a -o json 2>/dev/null |
		jq -r --arg v "$1" '[.[]?.decisions[]? | select(.value == $v) | .origin] | first // ""'
}

# cs_alerts_for VALUE: how many alerts the LAPI holds for VALUE.
cs_alerts_for() {
	$CSCLI alerts list -a -o json 2>/dev/null |
		jq --arg v "$1" '[.[]? | select(.source.value == $v)] | length'
}
