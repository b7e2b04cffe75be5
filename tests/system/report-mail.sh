#!/bin/bash
# report --mail-to: the report of a generated week goes through libcurl's
# SMTP client to a one-mail sink on 127.0.0.1 (tests/system/smtp-sink.py);
# the message is parsed back as MIME: one multipart/alternative with a
# text/plain and a text/html part, both carrying the week's figures, the
# envelope and the headers as asked. A server that refuses the connection
# is a clear error (exit 69). Skips when dominoban was built without
# libcurl or python3 is missing.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
make_tmpdir
command -v python3 >/dev/null || skip "python3 missing: the SMTP sink and the MIME check use it"
export TZ=UTC
printf '[daemon]\nlogs = %s\n' "$T/week.log" >"$T/r.conf"
DB="$DOMINOBAN --config $T/r.conf"
python3 "$TOP_SRCDIR/tests/system/gen-week.py" 1795392000 "$T/week.log" "$T/truth.json" ||
	fail "gen-week.py"
$DB replay --patterns "$TOP_SRCDIR/patterns" --rollup "$T/week.rollup" "$T/week.log" \
	>/dev/null 2>&1 || fail "replay --rollup"
rc=$(rc_of $DB report --rollup "$T/week.rollup" --mail-to a@example.org --smtp smtp://127.0.0.1:1)
if [ "$rc" = 69 ] && grep -q 'built without libcurl' "$T/err"; then
	skip "dominoban was built without libcurl (--mail-to unavailable)"
fi
expect_eq "mail to a closed port" "$rc" 69
grep -q 'mail to a@example.org through smtp://127.0.0.1:1 not sent' "$T/err" ||
	fail "unclear error: $(cat "$T/err")"
expect_eq "mail to a bad address" "$(rc_of $DB report --rollup "$T/week.rollup" \
	--mail-to 'a b@example.org')" 64

python3 "$TOP_SRCDIR/tests/system/smtp-sink.py" "$T/port" "$T/mail.json" &
SINK=$!
DAEMON_PIDS="$DAEMON_PIDS $SINK"
wait_until 10 test -s "$T/port" || fail "the SMTP sink did not start"
expect_eq "report --mail-to" "$(rc_of $DB report --rollup "$T/week.rollup" --since 7d \
	--mail-to admin@example.org --from dominoban@mail.example.org \
	--smtp "smtp://127.0.0.1:$(cat "$T/port")")" 0
wait "$SINK" || fail "the SMTP sink failed"
python3 - "$T/mail.json" "$T/week.rollup" "$DOMINOBAN" "$T/r.conf" <<'PY' || fail "the mail"
import email, email.policy, json, subprocess, sys
env = json.load(open(sys.argv[1]))
assert env["from"] == "dominoban@mail.example.org", env["from"]
assert env["to"] == ["admin@example.org"], env["to"]
msg = email.message_from_string(env["data"], policy=email.policy.default)
assert str(msg["To"]).strip("<>") == "admin@example.org", msg["To"]
assert "dominoban@mail.example.org" in str(msg["From"]), msg["From"]
assert msg["Date"] is not None and msg["Message-ID"] is not None
assert "dominoban report" in msg["Subject"], msg["Subject"]
rep = json.loads(subprocess.run([sys.argv[3], "--config", sys.argv[4], "report",
    "--rollup", sys.argv[2], "--since", "7d", "--format", "json"],
    check=True, capture_output=True, text=True).stdout)
subj = "%d attack lines, %d bans" % (rep["attack_lines"], rep["bans"])
assert subj in msg["Subject"], (subj, msg["Subject"])
alt = [p for p in msg.walk() if p.get_content_type() == "multipart/alternative"]
assert len(alt) == 1, [p.get_content_type() for p in msg.walk()]
parts = [p.get_content_type() for p in alt[0].iter_parts()]
assert parts == ["text/plain", "text/html"], parts
text = alt[0].get_payload()[0].get_content()
html = alt[0].get_payload()[1].get_content()
assert "Attack lines:    %d (" % rep["attack_lines"] in text, text[:300]
assert "192.0.2.66" in text and "pattern tls-fail matched" in text
assert html.startswith("<!DOCTYPE html>") and "</html>" in html
assert html.count('class="bar"') > 100, html.count('class="bar"')
assert "<script" not in html
print("ok: the mail: multipart/alternative, text and HTML with the week's figures")
PY
