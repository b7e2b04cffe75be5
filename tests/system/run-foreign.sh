#!/bin/bash
# table = filter beside an admin's own `table inet filter` (policy drop):
# dominoban run refuses to touch it, at its default priority and at the
# admin's, with exit 78 and a message naming the table and the way out;
# the admin's table is byte-identical afterwards. With another table name
# the daemon runs beside it, marks its own table, and still leaves the
# admin's alone.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare filter

nft -f - <<'NFT' || fail "cannot load the admin's table"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
		tcp dport 22 accept
	}
}
NFT
before=$(nft list table inet filter)
msg="table inet filter exists and was not created by dominoban; refusing to touch it (choose another table = name)"

for prio in -10 0; do
	db_config <<CONF
[nft]
ports = 25
priority = $prio
[allow]
own_addresses = no
CONF
	expect_eq "exit status, table = filter, priority $prio" \
		"$(rc_of "$DOMINOBAN" --config "$DB_CONF" run --foreground)" 78
	grep -qF "$msg" "$T/err" || fail "no clear message: $(cat "$T/err")"
	echo "ok: the message names the table and the way out"
	expect_eq "the admin's table after the refusal (priority $prio)" \
		"$(nft list table inet filter)" "$before"
done

TABLE=dbtest_beside
db_config <<CONF
[nft]
ports = 25
[allow]
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"
expect_eq "manual ban" "$($DB ban 192.0.2.77 >/dev/null 2>&1; echo $?)" 0
wait_until 10 in_set $TABLE host4 192.0.2.77 || fail "192.0.2.77 not in host4"
echo "ok: the daemon runs in its own table"
nft list table inet $TABLE | grep -q 'comment "dominoban"' ||
	fail "our table is not marked: $(nft list table inet $TABLE)"
echo "ok: its table carries the mark"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
expect_eq "the admin's table after a run beside it" \
	"$(nft list table inet filter)" "$before"
echo "PASS: run-foreign"
