#!/usr/bin/env bash
# dominoban demo (detection): generate a Domino console log under attack
# and show what the shipped patterns catch in it, with the addresses.
#
#   tools/demo.sh [BUILD_DIR]      (default: _build)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)
DB=$BUILD/dominoban
[ -x "$DB" ] || { echo "demo: $DB is not built" >&2; exit 69; }
make -C "$BUILD" bench/gen-domino-log >/dev/null
T=$(mktemp -d /tmp/dominoban-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "a Domino log: 200,000 lines, 2% of them attacks"
"$BUILD/bench/gen-domino-log" 200000 2 >"$T/notes.log"
head -3 "$T/notes.log"

say "dominoban test: what the shipped patterns catch"
"$DB" test --patterns "$SRC/patterns" "$T/notes.log"

say "dominoban test --events: one event per line (line, pattern, address)"
"$DB" test --events --patterns "$SRC/patterns" "$T/notes.log" >"$T/events"
head -8 "$T/events"

say "attacker text cannot choose the address"
printf '%s\n' \
  '14.03.2025 10:11:15   SMTP Server: Authentication failed for user a ; connecting host 198.51.100.66 ; connecting host 192.0.2.9' \
  '14.03.2025 10:11:16   smtp: x [198.51.100.30] authentication failure using internet password [192.0.2.9] authentication failure using internet password' \
  '14.03.2025 10:18:04   SMTP Server: 198.51.100.66 (192.0.2.9) connected' >"$T/hostile.log"
cat "$T/hostile.log"
"$DB" test --events --patterns "$SRC/patterns" "$T/hostile.log"
