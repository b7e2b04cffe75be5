#!/bin/sh
# make check's share of the guide walk, without root or installing
# anything: every command block of docs/DOMINO.md carries a guide-walk
# marker that tests/guide/walk.sh reads, and step 1 installs every build
# dependency of packaging/debian/control and the RPM spec. The walk itself
# (the package installed, the blocks run) is make guide-check.
: "${TOP_SRCDIR:?TOP_SRCDIR must point at the source tree}"
exec bash "$TOP_SRCDIR/tests/guide/walk.sh" --markers-only
