#!/usr/bin/env bash
# tests/lib/narrate.sh: how the demos (examples/*/demo.sh) speak: say a
# line, open a numbered section, or stop with the end of flowsteerd's log.

say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
die() {
	say "demo failed: $*"
	[ -f "${SB_DIR:-}/flowsteerd.log" ] && { say "flowsteerd log:"; tail -20 "$SB_DIR/flowsteerd.log"; }
	exit 1
}
