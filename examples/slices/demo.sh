#!/usr/bin/env bash
# examples/slices/demo.sh (`make demo`, fourth act; `make demo-slices`):
# FlowVisor slices on a throw-away node.  Starts a private etcd and a
# private Open vSwitch (userspace datapath) with tests/lib/sandbox.sh,
# four VMs (a1, a2 on net-a; b1, b2 on net-b) and one real OpenFlow
# controller per slice (ovs-testcontroller, a learning switch), runs
# flowsteerd ($FLOWSTEERD), puts examples/slices and shows: each slice's
# bridge connecting to its controller, what each controller is shown,
# traffic through the controllers, isolation between the slices, a
# controller stopped (fail secure) and moved.  Everything is torn down at
# the end (or on Ctrl-C).  Needs root.  SB_KEEP=1 keeps logs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
FLOWSTEERD=$(realpath "$FLOWSTEERD")
source tests/lib/sandbox.sh
source tests/lib/slices_example.sh
source tests/lib/narrate.sh

answered() { sl_ping "$@" && echo answered || echo "NOT answered"; }
unanswered() { sl_ping_fails "$@" && echo "no answer" || echo "ANSWERED"; }
observed() { sb_wait_for 10 sb_observed_at_least "$1" || die "flowsteerd did not converge revision $1"; }
BR_B=$(sl_bridge_b)

section "Sandbox"
sb_init || exit 1
sb_start_etcd || die "etcd did not start"
sb_start_ovs || die "Open vSwitch did not start"
sl_vms || die "could not create the VMs"
sl_controller a 6633 || die "controller a did not start"
sl_controller b 6634 || die "controller b did not start"
sb_start_flowsteerd
say "etcd        $ETCD (private, data in $SB_DIR)"
say "OVS         ovs-vswitchd (userspace datapath) in namespace $SB_OVSNS, br-int"
say "VMs         a1 $(sl_ip a1), a2 $(sl_ip a2) on net-a; b1 $(sl_ip b1), b2 $(sl_ip b2) on net-b"
say "            (one IP subnet, on-link routes to each other: only the networks and slices decide)"
say "controllers two ovs-testcontroller (learning switches) on 127.0.0.1:6633 and :6634"
say "flowsteerd  pid $SB_FLOWSTEERD_PID, node '$SB_NODE'"

section "1. The networks and VMs, no slice yet: br-int switches them"
sl_put networks net-a "$(sl_network net-a "")" >/dev/null
sl_put networks net-b >/dev/null
for vm in $SL_VMS; do rev=$(sl_put ports "$vm"); done
observed "$rev"
say "  a1 -> a2: $(answered a1 a2);  b1 -> b2: $(answered b1 b2);  b1 -> a1: $(unanswered b1 "$(sl_ip a1)")"

section "2. A slice document: slice-b takes net-b to the controller on :6634"
say "  $(tr -d '\n ' <"$SL_DIR/json/slices/slice-b.json")"
t0=$(sb_now_ms)
sl_put slices slice-b >/dev/null
sb_wait_for 10 sl_connected 6634 || die "slice-b's bridge did not connect"
say "  etcdctl put -> ovs-vswitchd connected to controller b: $(($(sb_now_ms) - t0)) ms"
say "  b1 -> b2 through controller b: $(answered b1 b2)"

section "3. The FlowVisor plugin's way: net-a gets \"controller\": \"127.0.0.1:6633\""
t0=$(sb_now_ms)
rev=$(sl_put networks net-a)
sb_wait_for 10 sl_connected 6633 || die "net-a's bridge did not connect"
t1=$(sb_now_ms)
ms=$(sl_ping_ms a1 a2 5) || die "a1 never reached a2 through its slice"
say "  etcdctl put -> connected to controller a: $((t1 - t0)) ms; -> a1's first ping to a2 answered: $(($(sb_now_ms) - t0)) ms"
observed "$rev"
BR_A=$(sl_bridge_a)

section "4. What flowsteerd made: a bridge per slice, patch ports, nothing else"
sb_vsctl show | awk '/^    Bridge/ { on = $2 ~ /^"?fs[ns]-/ } on && /Bridge|Controller|is_connected|fail_mode|Port / { sub(/^    /, "  "); print }'
say "  what controller a sees (ovs-ofctl show $BR_A): $(sl_ports "$BR_A")"
say "  what controller b sees (ovs-ofctl show $BR_B): $(sl_ports "$BR_B")"
say "  a1's port there: $(sb_vsctl --columns=name,external_ids list interface fsv-a1 | tr -s ' ' | tr '\n' ' ')"
say "  on br-int, table 5 steers each member into its slice (a1 shown):"
sb_our_flows table=5 | grep -F "$(sl_mac a1)" | sed 's/^ *cookie=[^,]*, /    /'
say "  flows controller a installed on its bridge: $(sb_ofctl dump-flows "$BR_A" | grep -c priority=)"

section "5. Isolation: nothing of net-b reaches net-a, whatever b1 tries"
say "  b1 -> a1 (ARP):                        $(unanswered b1 "$(sl_ip a1)")"
ip netns exec "$SB_PREFIX-b1" ip neigh replace "$(sl_ip a1)" lladdr "$(sl_mac a1)" dev b1 nud permanent
say "  b1 -> a1 with a static ARP entry:      $(unanswered b1 "$(sl_ip a1)")"
ip netns exec "$SB_PREFIX-b1" ip link set b1 address "$(sl_mac a2)"
say "  b1 -> a1 forging a2's MAC:             $(unanswered b1 "$(sl_ip a1)")"
ip netns exec "$SB_PREFIX-b1" ip link set b1 address "$(sl_mac b1)"
ip netns exec "$SB_PREFIX-b1" ip neigh flush dev b1

section "6. Controller a stopped: fail_mode secure, new flows of slice a go nowhere; slice b carries on"
sl_server a2 5001 || die "no TCP server on a2"
sl_server b2 5002 || die "no TCP server on b2"
say "  new TCP connection a1 -> a2 with controller a running: $(sl_send a1 a2 5001 one && echo delivered || echo FAILED)"
sl_stop_controller a
sb_wait_for 10 eval '! sl_connected 6633'
say "  controller a stopped; new connection a1 -> a2: $(sl_send a1 a2 5001 two && echo DELIVERED || echo "fails (no controller to decide)")"
say "  new connection b1 -> b2 meanwhile:            $(sl_send b1 b2 5002 three && echo delivered || echo FAILED)"

section "7. The controller moves to :6635: the same bridge and Controller row, updated in place"
sl_controller a2 6635 || die "controller a2 did not start"
before=$(sb_vsctl get bridge "$BR_A" controller)
t0=$(sb_now_ms)
sl_put networks net-a "$(sl_network net-a 127.0.0.1:6635)" >/dev/null
sb_wait_for 10 sl_connected 6635 || die "net-a's bridge did not move"
say "  put -> connected to :6635: $(($(sb_now_ms) - t0)) ms; Controller row $before -> $(sb_vsctl get bridge "$BR_A" controller)"
say "  a1 -> a2 through the new controller: $(sb_wait_for 5 sl_ping a1 a2 && echo answered || echo "NOT answered")"

section "8. flowsteerd restarted: nothing to do"
sb_stop_flowsteerd
rev=$(sb_del_revision "/flowsteer/status/$SB_NODE")
sb_start_flowsteerd
observed "$rev"
say "  status last_apply: $(sb_status '["last_apply"]')"
say
say "Done: each slice's controller saw and steered its own VMs only, and none could reach the other's."
