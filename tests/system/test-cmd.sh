#!/bin/bash
# dominoban test: the real binary over the corpus as a log file. The oracle
# is the corpus's own expected_ip column, not our earlier output.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
make_tmpdir

CORPUS=$TOP_SRCDIR/tests/fixtures/corpus.tsv
PAT=$TOP_SRCDIR/patterns
awk -F'\t' 'NR > 1 { print $4 }' "$CORPUS" >"$T/domino.log"
# Lines with an address expect it; session=<ip> rows carry none in the
# line and must come out attributed to that SMTP session's address.
awk -F'\t' 'NR > 1 { n++; if ($2 == "-") next;
	a = ($2 ~ /^session=/) ? substr($2, 9) : $2; print n "\t" a }' \
	"$CORPUS" >"$T/want"


$DOMINOBAN test --events --patterns "$PAT" "$T/domino.log" >"$T/out" ||
	fail "test --events exited $?"
cut -f1,3 "$T/out" >"$T/got"
diff -u "$T/want" "$T/got" || fail "events differ from the corpus"
expect_eq "events" "$(wc -l <"$T/out")" "$(wc -l <"$T/want")"
# Every event names a pattern id that exists in the shipped files.
cut -f2 "$T/out" | sort -u | while read -r id; do
	grep -q "^\[$id\]" "$PAT"/*.pat || fail "unknown pattern id $id"
done

# Standard input gives the same events.
$DOMINOBAN test --events --patterns "$PAT" - <"$T/domino.log" >"$T/out2"
cmp -s "$T/out" "$T/out2" || fail "stdin output differs"
echo "ok: stdin"

# Domino's start script archives the log gzipped: the same events, from a
# file or standard input; two archives concatenated read as one log.
command -v gzip >/dev/null || skip "gzip(1) missing: cannot make an archived log"
GZ=$T/notes_261205_063015.log.gz
gzip -c "$T/domino.log" >"$GZ"
$DOMINOBAN test --events --patterns "$PAT" "$GZ" >"$T/out2" || fail "test of $GZ exited $?"
cmp -s "$T/out" "$T/out2" || fail "the .gz log gives other events"
$DOMINOBAN test --events --patterns "$PAT" - <"$GZ" >"$T/out2" || fail "test - <.gz exited $?"
cmp -s "$T/out" "$T/out2" || fail "the .gz log on stdin gives other events"
cat "$GZ" "$GZ" >"$T/twice.log.gz"
$DOMINOBAN test --events --patterns "$PAT" "$T/twice.log.gz" >"$T/out2" || fail "two members exited $?"
expect_eq "events of two gzip members" "$(wc -l <"$T/out2")" "$(($(wc -l <"$T/out") * 2))"
echo "ok: gzipped logs"

# Other binary input is refused with the reason (65), never read as lines.
head -c $(($(wc -c <"$GZ") - 10)) "$GZ" >"$T/cut.log.gz"
expect_eq "truncated .gz" "$(rc_of $DOMINOBAN test --patterns "$PAT" "$T/cut.log.gz")" 65
grep -q "cut.log.gz: truncated gzip stream" "$T/err" || fail "truncated .gz said: $(cat "$T/err")"
if command -v xz >/dev/null; then
	xz -c "$T/domino.log" >"$T/notes.log.xz"
	expect_eq "xz log" "$(rc_of $DOMINOBAN test --patterns "$PAT" "$T/notes.log.xz")" 65
	grep -q "notes.log.xz: xz-compressed data: dominoban reads plain text and gzip (.gz) logs; decompress it first (xz -dc FILE" "$T/err" ||
		fail "xz said: $(cat "$T/err")"
fi
expect_eq "an executable" "$(rc_of $DOMINOBAN test --patterns "$PAT" "$DOMINOBAN")" 65
grep -q "an executable (ELF): not a log" "$T/err" || fail "ELF said: $(cat "$T/err")"
head -c 8192 /dev/urandom >"$T/random.bin"
expect_eq "random bytes" "$(rc_of $DOMINOBAN test --events --patterns "$PAT" "$T/random.bin")" 65
grep -q "random.bin: .*not a" "$T/err" || fail "random bytes said: $(cat "$T/err")"
expect_eq "events from random bytes" "$(wc -l <"$T/out")" 0
echo "ok: binary input refused with the reason"

# The summary mode reports counts and the engine.
$DOMINOBAN test --patterns "$PAT" "$T/domino.log" >"$T/summary" ||
	fail "summary exited $?"
grep -q "^lines read: *$(wc -l <"$T/domino.log")\$" "$T/summary" ||
	fail "lines read wrong: $(grep 'lines read' "$T/summary")"
grep -q "^regex engine: *PCRE2" "$T/summary" || fail "no engine line"
echo "ok: summary"

# Exit codes: sysexits.
$DOMINOBAN test --patterns "$PAT" "$T/missing.log" >/dev/null 2>&1
expect_eq "missing file exit" "$?" 66
mkdir "$T/badpat"
printf '[x]\nservice = smtp\nkind = auth\nregex = (%%{ip}\n' >"$T/badpat/a.pat"
$DOMINOBAN test --patterns "$T/badpat" "$T/domino.log" >/dev/null 2>"$T/err"
expect_eq "bad pattern exit" "$?" 78
grep -q "a.pat:4: pattern x: regex error at offset 6 of the regex as written" "$T/err" ||
	fail "no file:line and offset as written in: $(cat "$T/err")"
# A pattern without a prefilter loads, with a warning that says its cost.
printf '[x]\nservice = smtp\nkind = auth\nregex = failed %%{ip}\n' >"$T/badpat/a.pat"
$DOMINOBAN test --patterns "$T/badpat" "$T/domino.log" >/dev/null 2>"$T/err"
expect_eq "pattern without prefilter exit" "$?" 0
grep -q "a.pat:1: pattern x: no prefilter: its regex runs on every line read, and with no ^ anchor" "$T/err" ||
	fail "no cost warning in: $(cat "$T/err")"
$DOMINOBAN test >/dev/null 2>&1
expect_eq "no file exit" "$?" 64
$DOMINOBAN test --help >/dev/null
expect_eq "--help exit" "$?" 0
$DOMINOBAN --help >/dev/null
expect_eq "dominoban --help exit" "$?" 0
$DOMINOBAN frobnicate >/dev/null 2>&1
expect_eq "unknown command exit" "$?" 64
echo "PASS: test-cmd"
