#!/usr/bin/env bash
# Integration test: `make install` and `make uninstall` into a DESTDIR (no
# etcd, no OVS, nothing outside a temporary directory):
#   - PREFIX=/usr: both binaries (the built ones, mode 755) in usr/bin, the
#     unit in SYSTEMDUNITDIR with ExecStart=/usr/bin/flowsteerd and its
#     Documentation in usr/share/doc/flowsteer, the commented config in
#     etc/flowsteer (mode 600), the bash completion (it completes
#     "plan --f" to --full), the docs;
#   - `systemd-analyze verify` of the installed unit (its ExecStart pointed
#     at the installed binary in DESTDIR);
#   - a second install over an edited config keeps it and puts the shipped
#     one beside it as flowsteerd.conf.dist, saying so;
#   - uninstall removes every file but the edited config; with the config
#     as shipped, it and etc/flowsteer go too;
#   - the default PREFIX: ExecStart=/usr/local/bin/flowsteerd.
# Each check prints "PASS: what (saw: ...)" or "FAIL: ...".
set -u
cd "$(dirname "$0")/../.." || exit 1
TEST_NAME=test_install
source tests/lib/check.sh

D=$(mktemp -d /tmp/flowsteer-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
UNITDIR=${UNITDIR:-/lib/systemd/system}
UNIT=$D$UNITDIR/flowsteerd.service
CONF=$D/etc/flowsteer/flowsteerd.conf
COMPLETION=$D/usr/share/bash-completion/completions/flowsteerctl

mode() { stat -c %a "$1" 2>/dev/null; }
# completes WORDS...: what bash completion offers for the last word.
completes() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _flowsteerctl; echo "${COMPREPLY[*]}"' _ "$COMPLETION" "$@"
}

step "make install DESTDIR=$D PREFIX=/usr"
out=$(make --no-print-directory install DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
echo "$out" | grep -v '^cc ' | sed 's/^/  /'
check "make install exits 0" "exit $rc" eq "$rc" 0
for b in flowsteerd flowsteerctl; do
	check "usr/bin/$b: the built binary, mode 755" "mode $(mode "$D/usr/bin/$b")" \
		eval 'cmp -s "build/bin/$b" "$D/usr/bin/$b" && [ "$(mode "$D/usr/bin/$b")" = 755 ]'
done
check "the unit in $UNITDIR (mode 644)" "mode $(mode "$UNIT")" eval '[ "$(mode "$UNIT")" = 644 ]'
exec_start=$(grep '^ExecStart=' "$UNIT" 2>/dev/null)
check "its ExecStart is the installed flowsteerd" "$exec_start" \
	eq "$exec_start" "ExecStart=/usr/bin/flowsteerd --config /etc/flowsteer/flowsteerd.conf"
check "its Documentation is the installed README" "$(grep '^Documentation=' "$UNIT")" \
	eval 'grep -qx "Documentation=file:///usr/share/doc/flowsteer/README.md" "$UNIT" && cmp -s README.md "$D/usr/share/doc/flowsteer/README.md"'
check "nothing else of the unit changed" "$(diff <(sed 's|/usr/local/|/usr/|' examples/systemd/flowsteerd.service) "$UNIT" | wc -l) diff lines" \
	eval 'diff -q <(sed "s|/usr/local/|/usr/|" examples/systemd/flowsteerd.service) "$UNIT" >/dev/null'
check "etc/flowsteer/flowsteerd.conf: the commented config, mode 600" "mode $(mode "$CONF")" \
	eval 'cmp -s examples/systemd/flowsteerd.conf "$CONF" && [ "$(mode "$CONF")" = 600 ]'
check "the bash completion, which completes plan --f to --full" "$(completes flowsteerctl plan --f 2>&1)" \
	eval '[ "$(completes flowsteerctl plan --f)" = "--full" ]'
check "the installed flowsteerd runs (--help)" "" eval '"$D/usr/bin/flowsteerd" --help >/dev/null'

step "systemd-analyze verify of the installed unit"
sed "s|^ExecStart=/usr/bin/flowsteerd|ExecStart=$D/usr/bin/flowsteerd|" "$UNIT" >"$D/flowsteerd.service"
verify=$(timeout 30 systemd-analyze verify "$D/flowsteerd.service" 2>&1)
check "systemd-analyze verify: no complaint" "${verify:-no complaint}" test -z "$verify"
rm -f "$D/flowsteerd.service"

step "install again over an edited config"
echo "node = edited" >>"$CONF"
out=$(make --no-print-directory install DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
check "exit 0, saying the config is kept" "exit $rc, $(grep -m1 'exists' <<<"$out")" \
	eval '[ "$rc" = 0 ] && grep -q "flowsteerd.conf exists: kept" <<<"$out"'
check "the edited config kept, the shipped one as flowsteerd.conf.dist" "$(tail -1 "$CONF")" \
	eval '[ "$(tail -1 "$CONF")" = "node = edited" ] && cmp -s examples/systemd/flowsteerd.conf "$CONF.dist"'

step "make uninstall"
out=$(make --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
check "exit 0; only the edited config is left" "exit $rc, left: $left" \
	eval '[ "$rc" = 0 ] && [ "$left" = "./etc/flowsteer/flowsteerd.conf " ] && grep -q "was edited: kept" <<<"$out"'
cp examples/systemd/flowsteerd.conf "$CONF"
make --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
check "a config as shipped goes with uninstall, and etc/flowsteer" "$(cd "$D" && find . -type f | wc -l) files" \
	eval '[ -z "$(cd "$D" && find . -type f)" ] && [ ! -e "$D/etc/flowsteer" ]'

step "the default PREFIX"
rm -rf "${D:?}"/*
make --no-print-directory install DESTDIR="$D" >/dev/null 2>&1
check "ExecStart=/usr/local/bin/flowsteerd, the binary there" "$(grep '^ExecStart=' "$UNIT" 2>/dev/null)" \
	eval 'grep -q "^ExecStart=/usr/local/bin/flowsteerd " "$UNIT" && [ -x "$D/usr/local/bin/flowsteerd" ] && [ -e "$D/usr/local/share/bash-completion/completions/flowsteerctl" ]'

echo "$TEST_NAME: $passed passed, $failed failed ($SECONDS s)"
[ "$failed" -eq 0 ]
