#!/usr/bin/env bash
# examples/provider/demo.sh (`make demo`, after the service chain act):
# provider networks on a throw-away node.  Starts a private etcd and a
# private Open vSwitch (userspace datapath) with tests/lib/sandbox.sh,
# builds the operator's side (provider bridges br-phys and br-phys2, and
# br-tor playing the physical switch with hosts on VLAN 100, VLAN 200 and
# untagged), attaches four VMs and runs flowsteerd ($FLOWSTEERD); puts
# examples/provider with put.sh, shows the patch ports flowsteerd created
# and, with tcpdump -e on the physical trunks, what the wire carries.
# Everything is torn down at the end (or on Ctrl-C).  Needs root.
# SB_KEEP=1 keeps the logs and captures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
FLOWSTEERD=$(realpath "$FLOWSTEERD")
source tests/lib/sandbox.sh
source tests/lib/provider_example.sh

source tests/lib/narrate.sh
# wire NAME FILTER [COUNT]: the first COUNT (default 4) frames of capture
# NAME matching FILTER, as tcpdump -e prints them, without the timestamp.
wire() {
	sb_capture_show "$1" "$2" | head -"${3:-4}" | cut -d' ' -f2- |
		sed 's/, length [0-9]*: / /; s/, p 0, / /; s/, id [0-9]*, seq/ seq/; s/, length [0-9]*$//; s/^/      /'
}
answered() { px_ping "$@" && echo answered || echo "NOT answered"; }
unanswered() { px_ping_fails "$@" && echo "no answer" || echo "ANSWERED"; }

section "Sandbox"
sb_init || exit 1
sb_start_etcd || die "etcd did not start"
sb_start_ovs || die "Open vSwitch did not start"
sb_provider_physical || die "could not build the physical network"
sb_provider_vms || die "could not create the VMs"
sb_start_flowsteerd
say "etcd        $ETCD (private, data in $SB_DIR)"
say "OVS         ovs-vswitchd (userspace datapath) in namespace $SB_OVSNS"
say "br-int      the integration bridge: flowsteerd's (fail_mode=secure)"
say "br-phys     provider bridge of physnet1, the operator's (NORMAL); trunk o-trunk1 to the physical switch"
say "br-phys2    provider bridge of physnet2, the operator's (NORMAL); o-trunk2, untagged"
say "br-tor      plays the top-of-rack switch (NORMAL): physical hosts behind access ports"
say "              p100  $PX_P100 on VLAN 100     p200  $PX_P200 on VLAN 200"
say "              pflat $PX_PFLAT untagged (physnet2's port)"
say "VMs         on br-int, one namespace each, Neutron ports of examples/provider:"
say "              vm1 $(px_ip vm1), vm2 $(px_ip vm2) on net-v100; vm3 $(px_ip vm3) on net-v200; vm4 $(px_ip vm4) on net-flat"
say "flowsteerd  pid $SB_FLOWSTEERD_PID, node '$SB_NODE'"
say "            (this kernel has no 802.1Q devices: VLANs exist only inside OVS;"
say "             tcpdump -e on the trunk veths shows the tags as a real wire would carry them)"

section "1. The provider networks and this node's bridge mappings (put.sh -k networks,chassis)"
examples/provider/put.sh -e "$ETCD" -k networks,chassis "$SB_NODE" json >"$SB_DIR/put.log" || die "put.sh failed"
for n in net-v100 net-v200 net-flat; do
	seg=$(px_field networks "$n" '.get("provider:segmentation_id", "")')
	[ -n "$seg" ] && seg="VLAN $seg"
	printf '  %-9s %s on %s, %s\n' "$n" "$(px_field networks "$n" '["provider:network_type"]')" \
		"$(px_field networks "$n" '["provider:physical_network"]')" "${seg:-untagged}"
done
say "  chassis $SB_NODE: bridge_mappings \"$(px_field chassis node1 '["bridge_mappings"]')\""
sb_wait_for 10 sb_observed_at_least "$(sb_key_revision "$(px_key chassis node1)")" ||
	die "flowsteerd did not take the chassis"
say "  no VM port yet, so no patch port: br-int has $(sb_vsctl list-ports br-int | grep -c '^fsi-') fsi-* ports"

section "2. vm1's port: from the put to a working ping through the provider network"
t0=$(sb_now_ms)
sb_etcdctl put "$(px_key ports vm1)" "$(px_manifest ports vm1)" >/dev/null
ms=$(px_ping_ms vm1 "$PX_P100" 10) || die "vm1 never reached p100; status: $(sb_status 2>&1)"
say "  etcdctl put of port vm1 -> first ping from vm1 answered by p100: $ms ms"
say "  (in between: flowsteerd created the patch pair to br-phys, installed vm1's flows,"
say "   and ARP and ICMP crossed br-int, br-phys, the trunk and br-tor both ways)"
examples/provider/put.sh -e "$ETCD" -k ports "$SB_NODE" json >>"$SB_DIR/put.log" || die "put.sh failed"
sb_wait_for 10 sb_observed_at_least "$(sb_key_revision "$(px_key ports vm4)")" ||
	die "flowsteerd did not converge the ports"
say "  then every port (put.sh -k ports): $(grep -o '(json/ports/.*)' "$SB_DIR/put.log" | sed 's|.*/\(.*\)\.json)|\1|' | tr '\n' ' ')"

section "3. What flowsteerd created in OVSDB: one patch pair per physnet in use"
for p in physnet1 physnet2; do
	say "  fsi-$p on $(sb_vsctl port-to-br "fsi-$p" 2>&1) <-> fsp-$p on $(sb_vsctl port-to-br "fsp-$p" 2>&1)," \
		"external_ids:flowsteer-owner=$(sb_vsctl get interface "fsi-$p" external_ids:flowsteer-owner 2>&1)"
done
for br in br-int br-phys br-phys2; do
	printf '  ovs-vsctl list-ports %-9s %s\n' "$br:" "$(sb_vsctl list-ports "$br" | tr '\n' ' ')"
done
say "  Only rows carrying flowsteer-owner are ever changed or deleted by flowsteerd; the provider"
say "  bridges keep their NORMAL flow and no flowsteer flow ($(ovs-ofctl dump-flows br-phys | grep -c cookie=0xf5e) on br-phys)."
say ""
say "  The provider flows on br-int: table 3 maps a VLAN id (or untagged) arriving on a patch port"
say "  to its network; table 80 pushes the network's tag and outputs to the patch port:"
sb_our_flows | grep -E 'table=(3|80),' | sed 's/^ *cookie=[^ ]* //; s/^/    /'
say "  ($(sb_count_flows "$SB_COOKIE_OURS") flowsteer flows in all: ovs-ofctl dump-flows br-int)"

section "4. On the wire (tcpdump -e on the trunks, inside $SB_OVSNS)"
sb_capture trunk1 ovs o-trunk1 || die "tcpdump did not start"
sb_capture trunk2 ovs o-trunk2 || die "tcpdump did not start"
say "  vm1 -> p100 (VLAN 100): $(answered vm1 "$PX_P100")"
sleep 0.2
say "    o-trunk1 (br-phys <-> br-tor):"
wire trunk1 "vlan 100 and icmp and host $(px_ip vm1)"
say "  vm3 -> p200 (VLAN 200): $(answered vm3 "$PX_P200")"
sleep 0.2
wire trunk1 "vlan 200 and icmp and host $(px_ip vm3)" 2
say "  vm4 -> pflat (flat): $(answered vm4 "$PX_PFLAT")"
sleep 0.2
say "    o-trunk2 (br-phys2 <-> br-tor): no 802.1Q header, $(sb_capture_count trunk2 vlan) tagged frames"
wire trunk2 "icmp and host $(px_ip vm4)"
say "  vm1 -> p200 (VLAN 200, a network vm1 is not on): $(unanswered vm1 "$PX_P200")"
say "    vm1's ARP leaves on VLAN 100, where p200 is not:"
wire trunk1 "vlan 100 and arp host $PX_P200" 2
say "  vm1 -> vm3 (VLAN 200, same node): $(unanswered vm1 "$(px_ip vm3)")"
say "  vm1 -> vm2 (same network, same node): $(answered vm1 "$(px_ip vm2)");" \
	"ICMP between them on o-trunk1: $(sb_capture_count trunk1 "vlan and icmp and host $(px_ip vm1) and host $(px_ip vm2)") frames (switched inside br-int)"

section "5. Tear-down"
n_pids=${#SB_PIDS[@]} n_ns=${#SB_NETNS[@]}
sb_cleanup
trap - EXIT
say "  stopped flowsteerd, etcd, ovsdb-server, ovs-vswitchd and tcpdump ($n_pids processes);"
say "  deleted $n_ns namespaces (and their veths); nothing else was touched."
say "  Next: tests/integration/test_provider.sh (port security, mapping moves, restarts, the chain on VLAN 100)."
