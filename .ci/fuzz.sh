#!/usr/bin/env bash
# CI: prove the fuzz harnesses build with libFuzzer and run. Installs clang
# and its runtime (libclang-rt-14-dev on Debian 12) when clang cannot link a
# -fsanitize=fuzzer program, then runs `make fuzz` for a short time per
# harness (FUZZ_SECONDS, default 25) in its own build directory. Fails on
# any crash, sanitizer report, invariant failure, leak or timeout; the
# inputs are kept in BUILD/fuzz/out/artifacts. Long runs are for people:
# see docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

probe() { # can $1 build and link a libFuzzer program?
	local d
	command -v "$1" >/dev/null 2>&1 || return 1
	d=$(mktemp -d)
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$d/t.c"
	"$1" -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1
	local rc=$?
	rm -rf "$d"
	return $rc
}

CC_FUZZ=""
for cc in clang-14 clang; do
	if probe "$cc"; then CC_FUZZ=$cc; break; fi
done
if [ -z "$CC_FUZZ" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends clang-14 \
			libclang-rt-14-dev >/dev/null
	fi
	probe clang-14 && CC_FUZZ=clang-14
fi
[ -n "$CC_FUZZ" ] || { echo "CI fuzz: no clang that links -fsanitize=fuzzer" >&2; exit 1; }

B=${FUZZ_CI_BUILDDIR:-_build-fuzz-ci}
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$B"
[ -f "$B/Makefile" ] || (cd "$B" && ../configure -q >/dev/null)
echo "CI fuzz: $CC_FUZZ, ${FUZZ_SECONDS:-25} s per harness"
make -s -C "$B" fuzz FUZZ_CC="$CC_FUZZ" FUZZ_SECONDS="${FUZZ_SECONDS:-25}"
echo "CI fuzz: every harness ran without a finding"
