#!/usr/bin/env bash
# Builds libopenvswitch.a (static, PIC) from Debian's openvswitch-source into
# $1 (default build/ovs). Cached: does nothing when the library already exists.
set -euo pipefail
out=$(realpath -m "${1:-build/ovs}")
tarball=/usr/src/openvswitch/openvswitch.tar.gz
if [ -f "$out/src/lib/.libs/libopenvswitch.a" ] &&
	nm "$out/src/lib/.libs/libopenvswitch.a" 2>/dev/null | grep -c ' T ovs_json_array$' >/dev/null; then
	exit 0
fi
[ -f "$tarball" ] || { echo "missing $tarball: run 'make deps'" >&2; exit 1; }
mkdir -p "$out"
rm -rf "$out/src"
tar -xzf "$tarball" -C "$out"
mv "$out/openvswitch" "$out/src"
cd "$out/src"
[ -x configure ] || ./boot.sh
./configure --enable-shared=no --with-pic --disable-ssl-warnings >"$out/configure.log" 2>&1 ||
	./configure --enable-shared=no --with-pic >"$out/configure.log" 2>&1 ||
	{ tail -20 "$out/configure.log" >&2; exit 1; }
jobs=$(nproc)
# The generated headers (odp-netlink.h, the vswitch IDL, ...) are BUILT_SOURCES,
# which automake builds only for "all": ask make for the list and build it.
built=$(make -s -f Makefile -f - print-built-sources <<'MK'
print-built-sources: ; @echo $(BUILT_SOURCES)
MK
)
# shellcheck disable=SC2086
make -j"$jobs" $built >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
make -j"$jobs" lib/libopenvswitch.la >>"$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; exit 1; }
# libopenvswitch's lib/json.c exports json_array, json_object, json_string,
# json_integer, json_real and json_equal, which are also jansson's public
# API: linked together, calls (even jansson's own) would reach the wrong
# one.  Rename OVS's copies inside the archive (definitions and every
# reference move together).  Files that include both <jansson.h> and
# <openvswitch/json.h> are not possible; none of ours do.
lib=lib/.libs/libopenvswitch.a
renames=()
for s in json_array json_object json_string json_integer json_real json_equal; do
	renames+=(--redefine-sym "$s=ovs_$s")
done
objcopy "${renames[@]}" "$lib" "$lib.tmp" && mv "$lib.tmp" "$lib"
echo "libopenvswitch built in $out/src"
