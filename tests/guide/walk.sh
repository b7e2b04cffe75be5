#!/usr/bin/env bash
# The guide walk: docs/DOMINO.md, followed as written on this machine, so
# that the guide cannot drift from the code and the packaging.
#
# Each ```sh and ```ini block of the guide carries a marker just above it,
# `<!-- guide-walk: KIND ID[ ARG][: REASON] -->`; a block without one fails
# the walk, so a new block cannot go unwalked by accident. KIND is
#   run ID            run it, in order, with bash -e, as root
#   build ID          run it only without GUIDE_DEB (the build of the .deb)
#   conf ID           merge the ini snippet into /etc/dominoban/dominoban.conf,
#                     as the admin's edit would
#   skip ID: REASON   not run (needs a real Domino, another machine, an
#                     example user...): printed with its reason
#   el9 ID            EL9 only: not walked here (CI is Debian 12)
#   instead ID A[,B]: REASON
#                     needs systemd as PID 1: the section 14 blocks A, B
#                     ("without systemd") run instead, in that order
#   ref ID            a section 14 block, run where another names it
#   sample ID         a text block of log lines, for a pattern block
#   pattern ID SAMPLE an example pattern section: `dominoban test` with it
#                     alone must match every line of block SAMPLE
# Around the blocks the walk plays Domino (writes the fake notesdata's logs,
# before_ID) and checks what the guide promises (check_ID): the ACLs give
# the daemon's user access, replay prints the ban, the daemon runs as its
# user, dry run lists a ban and makes no table, going live puts it in the
# kernel set, the purge leaves nothing.
#
# It installs the package on the host, so it runs only as root on Debian
# and refuses (SKIP, 77) a host that has dominoban installed, a /local
# directory, or any file it would create. The daemon and nft run in a
# private network namespace. On exit it removes what it made: the package,
# the fake /local/notesdata, /var/log/dominoban.log, /root/dominoban-replay.txt,
# the users it created, the namespace and its table.
#
#   GUIDE_DEB=path/to/dominoban_X_ARCH.deb tests/guide/walk.sh   (make guide-check)
# Without GUIDE_DEB the guide's own build block builds the .deb in the
# source tree (slow: build dependencies, then dpkg-buildpackage).
#   tests/guide/walk.sh --markers-only                            (make check)
# checks only the markers and that step 1 installs every build dependency
# of packaging/debian/control and the RPM spec; no root, nothing changed.
#
# Not walked here, being EL9 only (CI is Debian 12): the RPM build of step 1
# (rpm-build), SELinux in step 11 (selinux-check, selinux-module,
# selinux-enforce) and `dnf remove` in step 13 (dnf-remove); the walk
# only checks that the RPM build installs the spec's BuildRequires.
set -u
umask 022
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
GUIDE=$TOP_SRCDIR/docs/DOMINO.md
GUIDE_DEB=${GUIDE_DEB:-}
BLOCK_TIMEOUT=${BLOCK_TIMEOUT:-120}  # seconds a block may take
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600} # the build block (it runs make check)
N=/local/notesdata
CONF=/etc/dominoban/dominoban.conf
ATTACKER=203.0.113.77   # attacks the live log while the daemon runs
OLD_ATTACKER=203.0.113.50  # in an archived log: replay finds it
PROBE_HOST=192.0.2.44   # the step 6 probe
RELAY=192.0.2.25        # the perimeter relay of the guide's [allow] example

skip() { echo "SKIP: guide walk: $*" >&2; exit 77; }
fail() {
	echo "FAIL: guide walk: $*" >&2
	[ "${HOSTWALK:-}" = yes ] && [ -f /var/log/dominoban.log ] && { echo "--- /var/log/dominoban.log" >&2; tail -n 30 /var/log/dominoban.log >&2; }
	exit 1
}
ok() { echo "ok: $*"; }

# ---- setup ----------------------------------------------------------------------
[ -r "$GUIDE" ] || fail "no guide at $GUIDE"
W=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-guide.XXXXXX") || fail "mktemp"
chmod 755 "$W"
HOSTWALK=no   # yes once the host is ours to change (and to clean up)
HOLD=""

cleanup() {
	local rc=$?
	[ $HOSTWALK = yes ] && cleanup_host
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$W"
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || echo "guide walk: FAILED (exit $rc); the host is cleaned up" >&2
	exit $rc
}
cleanup_host() {
	local p
	if [ -f /run/dominoban.pid ]; then
		p=$(cat /run/dominoban.pid)
		kill "$p" 2>/dev/null && tail --pid="$p" -f /dev/null
	fi
	if dpkg -s dominoban >/dev/null 2>&1; then
		apt-get purge -y -qq dominoban >/dev/null 2>&1 || echo "cleanup: apt-get purge dominoban failed" >&2
	fi
	rm -rf /local /var/log/dominoban.log /root/dominoban-replay.txt /run/dominoban.pid /run/dominoban
	if [ "$had_dominoban" = no ] && getent passwd dominoban >/dev/null; then
		userdel dominoban 2>/dev/null
		getent group dominoban >/dev/null && groupdel dominoban 2>/dev/null
	fi
	if [ "$had_notes" = no ] && getent passwd notes >/dev/null; then
		userdel notes 2>/dev/null
		getent group notes >/dev/null && groupdel notes 2>/dev/null
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM


# ---- the guide's blocks ------------------------------------------------------
# One record per marked block, in order: NUM, KIND, ID, ARG, LINE; the body
# in $W/b/NUM (the fence's indent removed). Unmarked sh/ini blocks and
# markers that are not followed by a block are errors.
mkdir "$W/b"
awk -v dir="$W/b" '
function die(m) { print "guide walk: DOMINO.md:" NR ": " m > "/dev/stderr"; bad = 1 }
/^[ \t]*<!-- guide-walk: .* -->[ \t]*$/ {
	if (mark != "") die("marker of line " markline " is not followed by a code block")
	mark = $0; sub(/^[ \t]*<!-- guide-walk: /, "", mark); sub(/ -->[ \t]*$/, "", mark)
	markline = NR; next
}
!infence && /^[ \t]*```/ {
	match($0, /^[ \t]*/); indent = RLENGTH
	lang = substr($0, indent + 4); gsub(/[ \t]/, "", lang)
	infence = 1; n++; body = dir "/" n; printf "" > body
	if (mark == "" && (lang == "sh" || lang == "ini"))
		die("```" lang " block without a guide-walk marker (see tests/guide/walk.sh)")
	if (mark != "") {
		reason = ""; m = mark
		if ((i = index(m, ": ")) > 0) { reason = substr(m, i + 2); m = substr(m, 1, i - 1) }
		k = split(m, f, " ")
		if (k < 2 || k > 3) die("marker \"" mark "\": want KIND ID [ARG][: REASON]")
		printf "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", n, f[1], f[2], (k == 3 ? f[3] : "-"), NR, lang, reason
	}
	mark = ""; next
}
infence && /^[ \t]*```[ \t]*$/ { infence = 0; close(body); next }
infence { print substr($0, indent + 1) > body; next }
mark != "" && !/^[ \t]*$/ { die("marker of line " markline " is not followed by a code block") }
END { if (mark != "") die("marker at the end"); exit bad }
' "$GUIDE" >"$W/blocks" || fail "DOMINO.md's markers are not as walk.sh reads them"

kinds_ok=yes
while IFS=$'\t' read -r num kind id arg line lang reason; do
	case $kind in
	run | build | ref) [ "$lang" = sh ] || { echo "line $line: $kind block $id is not sh" >&2; kinds_ok=no; } ;;
	conf) [ "$lang" = ini ] || { echo "line $line: conf block $id is not ini" >&2; kinds_ok=no; } ;;
	skip | el9 | sample) ;;
	pattern)
		[ "$lang" = ini ] || { echo "line $line: pattern block $id is not ini" >&2; kinds_ok=no; }
		awk -F'\t' -v r="$arg" '$2 == "sample" && $3 == r { f = 1 } END { exit !f }' "$W/blocks" ||
			{ echo "line $line: pattern $id names $arg, which is no sample block" >&2; kinds_ok=no; } ;;
	instead)
		for r in ${arg//,/ }; do
			awk -F'\t' -v r="$r" '$2 == "ref" && $3 == r { f = 1 } END { exit !f }' "$W/blocks" ||
				{ echo "line $line: instead $id names $r, which is no ref block" >&2; kinds_ok=no; }
		done ;;
	*) echo "line $line: unknown kind $kind" >&2; kinds_ok=no ;;
	esac
	case $kind in skip | instead) [ -n "$reason" ] || { echo "line $line: $kind $id gives no reason" >&2; kinds_ok=no; } ;; esac
done <"$W/blocks"
[ "$(cut -f3 "$W/blocks" | sort | uniq -d)" = "" ] || fail "duplicate block ids: $(cut -f3 "$W/blocks" | sort | uniq -d)"
[ $kinds_ok = yes ] || fail "DOMINO.md's markers are not as walk.sh reads them"
ok "$(wc -l <"$W/blocks") marked blocks in docs/DOMINO.md"

body_of() { awk -F'\t' -v id="$1" '$3 == id { print $1 }' "$W/blocks"; }

# The build commands name every build dependency of the packages: the
# Debian block every Build-Depends of debian/control, the EL9 block every
# BuildRequires of the spec.
words_missing() { # FILE WORD...: the words not in FILE
	local f=$1 w; shift
	for w in "$@"; do grep -qwF -- "$w" "$f" || printf ' %s' "$w"; done
}
deb_deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$TOP_SRCDIR/packaging/debian/control" |
	sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/(.*//; s/^ *//; s/ *$//' | grep -v '^[A-Z]' | grep . |
	sed 's/^debhelper-compat$/debhelper/')
miss=$(words_missing "$W/b/$(body_of deb-build)" $deb_deps)
[ -z "$miss" ] || fail "step 1's Debian block does not install the Build-Depends:$miss (packaging/debian/control)"
rpm_deps=$(awk '/^BuildRequires:/ { print $2 }' "$TOP_SRCDIR/packaging/rpm/dominoban.spec")
miss=$(words_missing "$W/b/$(body_of rpm-build)" $rpm_deps)
[ -z "$miss" ] || fail "step 1's EL9 block does not install the BuildRequires:$miss (packaging/rpm/dominoban.spec)"
ok "step 1 installs every build dependency of debian/control and the RPM spec"

if [ "${1:-}" = --markers-only ]; then
	echo "guide walk: markers and build dependencies checked; the walk itself is make guide-check"
	exit 0
fi

# ---- may we walk here? -----------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (installs the package; run on a throwaway Debian 12 machine)"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || skip "needs apt-get and dpkg (Debian)"
for c in nft ip setfacl getfacl runuser setpriv unshare nsenter zcat gzip pgrep; do
	command -v $c >/dev/null || skip "needs $c (nftables, iproute2, acl, util-linux, gzip, procps)"
done
dpkg -s dominoban >/dev/null 2>&1 && skip "the dominoban package is installed here: the walk would remove it"
for f in /local /var/log/dominoban.log /root/dominoban-replay.txt /run/dominoban.pid /etc/dominoban; do
	[ -e "$f" ] && skip "$f exists: the walk would overwrite or remove it"
done
if [ -n "$GUIDE_DEB" ]; then
	[ -f "$GUIDE_DEB" ] || fail "GUIDE_DEB=$GUIDE_DEB: no such file"
	GUIDE_DEB=$(cd "$(dirname "$GUIDE_DEB")" && pwd)/$(basename "$GUIDE_DEB")
fi

had_dominoban=no; getent passwd dominoban >/dev/null && had_dominoban=yes
had_notes=no; getent passwd notes >/dev/null && had_notes=yes
HOSTWALK=yes

# ---- the fake Domino server --------------------------------------------------
# /local/notesdata as the Nash!Com start script leaves it: owned by notes,
# not readable by others, so that only the guide's ACLs let dominoban in.
dts() { date -d "$1" '+%d.%m.%Y %H:%M:%S'; }
domino_line() { # TIME MESSAGE
	printf '[004711:000010-00007F3A9C5FE700] %s   %s\n' "$1" "$2"
}
attack() { # ADDRESS TIME: five SMTP AUTH failures (host_threshold 5)
	local i
	for i in 1 2 3 4 5; do
		domino_line "$2" "SMTP Server: Authentication failed for user guess$i ; connecting host $1"
	done
}
[ "$had_notes" = yes ] || useradd -r -U -M -d /local/notesdata -s /usr/sbin/nologin notes ||
	fail "useradd notes"
install -d -m 0755 /local
install -d -m 0750 -o notes -g notes $N $N/IBM_TECHNICAL_SUPPORT
{
	t=$(dts '-2 days')
	for i in 1 2 3; do
		domino_line "$t" "SMTP Server: $RELAY connected"
		domino_line "$t" "SMTP Server: $RELAY disconnected. 1 messages received"
	done
	attack $OLD_ATTACKER "$t"
} >"$W/old.log"
gzip -c "$W/old.log" >$N/notes_$(date -d '-2 days' +%y%m%d_%H%M%S).log.gz
{
	t=$(dts '-1 hour')
	domino_line "$t" "Server started on physical node mail"
	for i in 1 2 3 4; do
		domino_line "$t" "SMTP Server: $RELAY connected"
		domino_line "$t" "SMTP Server: $RELAY disconnected. 1 messages received"
	done
	domino_line "$t" "SMTP Server: $PROBE_HOST connected"
	domino_line "$t" "SMTP Server: Rejected recipient <nobody-dominoban-probe-1@example.com> from host [$PROBE_HOST]: User unknown"
	domino_line "$t" "SMTP Server: Rejected recipient <nobody-dominoban-probe-2@example.com> from host [$PROBE_HOST]: User unknown"
	domino_line "$t" "SMTP Server: $PROBE_HOST disconnected. 0 messages received"
} >$N/notes.log
cp $N/notes.log $N/IBM_TECHNICAL_SUPPORT/console.log
chown notes:notes $N/notes_*.log.gz $N/notes.log $N/IBM_TECHNICAL_SUPPORT/console.log
chmod 0640 $N/notes_*.log.gz $N/notes.log $N/IBM_TECHNICAL_SUPPORT/console.log
ok "fake $N: notes.log, an archived notes_*.log.gz, IBM_TECHNICAL_SUPPORT/console.log (notes:notes 0640)"

# The network namespace the blocks run in: the daemon's table and bans
# never reach the host's firewall.
unshare -n sleep infinity &
HOLD=$!
# Until unshare(2) has run, HOLD is still in the host's namespace.
own_ns() { [ "$(readlink /proc/"$HOLD"/ns/net)" != "$(readlink /proc/$$/ns/net)" ]; }
for _ in $(seq 100); do own_ns && break; sleep 0.1; done
own_ns || fail "unshare -n did not make a network namespace within 10 s"
nsenter -t "$HOLD" -n ip link set lo up || fail "cannot enter the network namespace"
# `less` (step 8) pages only on a terminal; a minimal image may lack it.
mkdir "$W/bin"
if ! command -v less >/dev/null; then
	printf '#!/bin/sh\nexec cat "$@"\n' >"$W/bin/less" && chmod 755 "$W/bin/less"
	echo "note: no less(1) here: cat stands in for it (the walk has no terminal)"
fi

# ---- Domino's actions and the guide's promises, by block id ------------------
# OUT is the block's output; checks fail with the reason.
WD=$W/wd          # the directory the blocks run in (an admin's working directory)
mkdir "$WD"
out_has() { grep -q -- "$1" "$OUT" || fail "block $ID: output lacks '$1': $(head -c 2000 "$OUT")"; }
nsx() { nsenter -t "$HOLD" -n "$@"; }
daemon_pid() { cat /run/dominoban.pid 2>/dev/null; }
answers() { nsx dominoban status >/dev/null 2>&1; }
wait_for() { # SECONDS CMD...
	local n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done
}
dominoban_reads() { runuser -u dominoban -- head -c1 "$1" >/dev/null 2>&1; }
listed() { nsx dominoban list 2>/dev/null | grep -q "^$1 "; }
in_kernel() { nsx nft list table inet dominoban 2>/dev/null | grep -qw -- "${1//./\\.}"; }

before_deb-install() {
	if [ -n "$GUIDE_DEB" ]; then
		mkdir -p "$WD/_build-deb" && cp "$GUIDE_DEB" "$WD/_build-deb/"
	else
		# The build block ran in the source tree, as the guide says.
		mkdir -p "$WD/_build-deb" && cp "$TOP_SRCDIR"/_build-deb/dominoban_*.deb "$WD/_build-deb/"
	fi
}
check_deb-install() {
	dpkg -s dominoban 2>/dev/null | grep -q '^Status: install ok installed' || fail "dominoban is not installed"
	getent passwd dominoban >/dev/null || fail "no dominoban user"
	grep -qx 'dry_run = yes' $CONF || fail "$CONF is not in dry run"
	pgrep -u dominoban >/dev/null && fail "the package started a process of dominoban"
	ok "installed, user dominoban, dry_run = yes, nothing started"
}
check_install-check() {
	out_has "^dominoban [0-9]"
	out_has "configuration OK"
	ok "--version and run -n answer as step 1 says"
}
check_logs() {
	grep -qx "logs = $N/notes.log" $CONF || fail "logs not set"
}
before_acl-notes() {
	dominoban_reads $N/notes.log && fail "dominoban reads notes.log before any ACL: the fake notesdata is too open"
	ok "before the ACLs, dominoban cannot read notes.log"
}
check_acl-notes() {
	dominoban_reads $N/notes.log || fail "after the notes.log ACLs, dominoban cannot read $N/notes.log"
	ok "dominoban reads notes.log"
}
check_acl-console() {
	dominoban_reads $N/IBM_TECHNICAL_SUPPORT/console.log || fail "dominoban cannot read console.log"
	dominoban_reads $N/notes.log || fail "the console.log ACLs took away the notes.log access"
	getfacl -p $N 2>/dev/null | grep -qx 'user:dominoban:r-x' || fail "$N lost dominoban's rx: $(getfacl -p $N)"
	getfacl -p $N 2>/dev/null | grep -qx 'default:user:dominoban:r--' || fail "$N lost the default ACL"
	ok "both ACL blocks together: dominoban reads notes.log and console.log, $N keeps rx and the default ACL"
}
check_acl-check() {
	out_has '^OK$'
	out_has 'user:dominoban:r--'
}
check_top-clients() {
	head -1 "$OUT" | grep -q "$RELAY" || fail "the relay is not the top client: $(cat "$OUT")"
	ok "the busiest client is the relay"
}
check_allow() {
	sed -n '/^\[allow\]/,/^\[/p' $CONF | grep -q "^cidrs = $RELAY " || fail "[allow] cidrs not set: $(cat $CONF)"
	out_of_run_n=$(dominoban run -n 2>&1) || fail "run -n refuses the merged config: $out_of_run_n"
}
check_allow-check() { out_has "configuration OK"; }
check_probe-grep() { out_has nobody-dominoban-probe-2; }
check_test-log() {
	out_has smtp-unknown-rcpt
	grep -q "smtp-unknown-rcpt.*$PROBE_HOST" "$OUT" || fail "--events shows no probe event of $PROBE_HOST: $(cat "$OUT")"
	ok "dominoban test sees the probe as smtp-unknown-rcpt"
}
check_override-check() { out_has "configuration OK"; }
check_replay() {
	grep -q "^ban	$OLD_ATTACKER	" /root/dominoban-replay.txt ||
		fail "replay did not ban $OLD_ATTACKER of the archived log: $(cat /root/dominoban-replay.txt)"
	grep -q "$RELAY" /root/dominoban-replay.txt && fail "replay banned the allowlisted relay"
	ok "replay of the archived and current logs bans $OLD_ATTACKER"
}
check_start() {
	wait_for 20 answers || fail "the daemon does not answer status after the start"
	p=$(daemon_pid)
	[ -n "$p" ] && [ "$(ps -o user= -p "$p")" = dominoban ] || fail "pid file $p is not a process of dominoban"
	grep -q CapAmb:.*0000000000001000 /proc/"$p"/status ||
		fail "the daemon lacks the ambient CAP_NET_ADMIN: $(grep Cap /proc/"$p"/status)"
	ok "the daemon runs as dominoban (pid $p) with CAP_NET_ADMIN and answers"
}
before_watch() {
	# A few days of traffic, in short: an attack on the live log.
	attack $ATTACKER "$(dts now)" >>$N/notes.log
	wait_for 20 listed $ATTACKER || fail "the dry-run ban of $ATTACKER is not listed: $(nsx dominoban list 2>&1)"
}
check_watch() {
	out_has "DRY RUN"
	grep -q 'NOT following' "$OUT" && fail "the daemon does not follow the log after step 4: $(cat "$OUT")"
	out_has "^$ATTACKER "
	nsx nft list table inet dominoban >/dev/null 2>&1 && fail "dry run made a table"
	ok "dry run: status says DRY RUN, list shows $ATTACKER, no nftables table"
}
check_journal() {
	out_has "ban addr=$ATTACKER"
	ok "the log shows the would-be ban"
}
check_live-conf() {
	grep -qx 'dry_run = no' $CONF || fail "dry_run is not no"
}
check_restart() {
	check_start
}
check_live() {
	grep -q "DRY RUN" "$OUT" && fail "status still says DRY RUN"
	out_has "table inet dominoban"
	in_kernel $ATTACKER || fail "the dry-run ban of $ATTACKER is not in the kernel after going live: $(cat "$OUT")"
	ok "live: no DRY RUN, $ATTACKER's ban from dry run is in the kernel"
	# "If something deletes the table, dominoban rebuilds it at once with
	# every ban in it."
	nsx nft delete table inet dominoban || fail "cannot delete the table"
	wait_for 20 in_kernel $ATTACKER || fail "the deleted table did not come back with $ATTACKER's ban"
	ok "a deleted table comes back with the ban"
}
check_day() {
	in_kernel 203.0.113.0/24 && fail "203.0.113.0/24 still in the kernel after unban"
	out_has "$ATTACKER"
	grep -Eq "^dropped by: *$ATTACKER \(host\)" "$OUT" || fail "check does not say which ban drops $ATTACKER: $(cat "$OUT")"
	grep -q "203.0.113.0/24.*manual" "$OUT" || fail "history does not show the /24 banned and lifted by hand: $(cat "$OUT")"
	grep -q "^cidrs = $RELAY " "$OUT" || fail "config does not show the [allow] cidrs of step 5: $(cat "$OUT")"
	# Section 14's reload, which no systemd block stands for.
	run_block nosystemd-reload
	wait_for 5 answers || fail "the daemon stopped answering after reload"
	ok "check names the host ban; ban, unban and history of a /24 by hand; config shows [allow]; reload (dominoban reload and section 14's)"
}
check_report() {
	[ -s "$WD/week.html" ] || fail "no week.html"
	grep -qi '<html' "$WD/week.html" || fail "week.html is not HTML"
	ok "the text report and week.html"
}
check_stop() {
	answers && fail "the daemon still answers after the stop"
	[ -e /run/dominoban.pid ] && fail "/run/dominoban.pid left"
	pgrep -u dominoban >/dev/null && fail "a process of dominoban is left"
	ok "stopped"
}
check_remove-table() {
	nsx nft list table inet dominoban >/dev/null 2>&1 && fail "table inet dominoban still there"
	ok "table gone"
}
check_purge() {
	[ "$(dpkg-query -W -f '${db:Status-Status}' dominoban 2>/dev/null)" = installed ] &&
		fail "dominoban still installed after the purge"
	for f in /usr/sbin/dominoban /etc/dominoban /var/lib/dominoban; do
		[ -e "$f" ] && fail "$f left after the purge"
	done
	ok "purged: nothing of the package left"
}

# run_block ID: run the body of block ID with bash -e in WD, in the
# namespace, with before_ID and check_ID around it.
run_block() {
	local id=$1 num rc
	num=$(body_of "$id")
	[ -n "$num" ] || fail "no block $id in DOMINO.md"
	! declare -F "before_$id" >/dev/null || "before_$id"
	OUT=$W/out.$id ID=$id
	(cd "$WD" && PATH=$W/bin:$PATH timeout "$BLOCK_TIMEOUT" nsenter -t "$HOLD" -n bash -e "$W/b/$num") \
		</dev/null >"$OUT" 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "block $id (DOMINO.md line $(awk -F'\t' -v id="$id" '$3 == id { print $5 }' "$W/blocks")) exited $rc:
$(sed 's/^/  | /' "$W/b/$num")
output:
$(tail -n 40 "$OUT")"
	OUT=$W/out.$id ID=$id
	! declare -F "check_$id" >/dev/null || "check_$id"
	return 0
}

# conf_merge ID: the ini snippet's keys replace those of the same section in
# $CONF (added at the section's end when absent), as the admin's edit would.
conf_merge() {
	local num
	num=$(body_of "$1")
	awk 'FNR == NR {
		if ($0 ~ /^\[/) { ssec = $0; next }
		if ($0 ~ /^[ \t]*(#|$)/) next
		k = $0; sub(/[ \t]*=.*/, "", k); v[ssec, k] = $0; ord[++n] = ssec SUBSEP k; next
	}
	function flush(   i, a) {
		for (i = 1; i <= n; i++) {
			split(ord[i], a, SUBSEP)
			if (a[1] == sec && !done[ord[i]]) { print v[ord[i]]; done[ord[i]] = 1 }
		}
	}
	/^\[/ { flush(); sec = $0; print; next }
	/^[a-z0-9_]+[ \t]*=/ {
		k = $0; sub(/[ \t]*=.*/, "", k)
		if ((sec, k) in v) { if (!done[sec, k]) print v[sec, k]; done[sec, k] = 1; next }
	}
	{ print }
	END { flush(); for (i = 1; i <= n; i++) if (!done[ord[i]]) { split(ord[i], a, SUBSEP); print a[1]; print v[ord[i]] } }
	' "$W/b/$num" $CONF >"$W/conf.new" || fail "merging block $1 into $CONF"
	cat "$W/conf.new" >$CONF
}

# check_pattern ID SAMPLE: the example section, alone in a pattern
# directory, matches every line of the sample block with the pattern id
# of its section.
check_pattern() {
	local pid lines events
	pid=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$W/b/$(body_of "$1")" | head -1)
	mkdir -p "$W/pat.$1"
	cp "$W/b/$(body_of "$1")" "$W/pat.$1/example.pat"
	dominoban test --patterns "$W/pat.$1" --events "$W/b/$(body_of "$2")" >"$W/out.$1" 2>&1 ||
		fail "the example pattern $1 (section $pid) is refused or matches nothing: $(cat "$W/out.$1")"
	lines=$(grep -c . "$W/b/$(body_of "$2")")
	events=$(grep -c "	$pid	" "$W/out.$1")
	[ "$events" = "$lines" ] || fail "the example pattern $pid matches $events of the $lines sample lines: $(cat "$W/out.$1")"
	ok "the example pattern $pid matches its sample line(s)"
}

# ---- the walk ------------------------------------------------------------------
start=$(date +%s)
while IFS=$'\t' read -r num kind id arg line lang reason; do
	echo "== DOMINO.md:$line $kind $id"
	case $kind in
	run) run_block "$id" ;;
	build)
		if [ -n "$GUIDE_DEB" ]; then
			echo "SKIP: block $id: GUIDE_DEB=$GUIDE_DEB is installed instead"
		else
			(cd "$TOP_SRCDIR" && timeout "$BUILD_TIMEOUT" bash -e "$W/b/$num") </dev/null >"$W/out.$id" 2>&1 ||
				fail "block $id exited $?: $(tail -n 40 "$W/out.$id")"
		fi ;;
	conf)
		conf_merge "$id"
		OUT=/dev/null ID=$id
		! declare -F "check_$id" >/dev/null || "check_$id"
		echo "ok: merged into $CONF" ;;
	skip) echo "SKIP: block $id: $reason" ;;
	sample) echo "(a sample for a pattern block)" ;;
	pattern) check_pattern "$id" "$arg" ;;
	el9) echo "SKIP: block $id: EL9 only, not walked on Debian" ;;
	instead)
		echo "SKIP: block $id: $reason; instead, section 14: ${arg//,/, then }"
		for r in ${arg//,/ }; do run_block "$r"; done
		ID=$id  # OUT: the output of the last block run instead
		! declare -F "check_$id" >/dev/null || "check_$id" ;;
	ref) echo "(walked where a block names it)" ;;
	esac
done <"$W/blocks"
echo "guide walk: passed in $(($(date +%s) - start)) s"
