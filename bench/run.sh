#!/usr/bin/env bash
# make bench: flowsteerd at scale, each figure beside the stock tool
# (ovs-ofctl) on the same flows in the same run, in the sandbox of
# tests/lib/sandbox.sh (private etcd, private ovs-vswitchd with the
# userspace datapath).  Needs root; not part of make check.
#
#   bench/run.sh          (make bench: BENCH_RESULTS=bench/RESULTS.md)
#
# Sections, each in a sandbox of its own:
#   1. the networking-sfc example (examples/sfc): put -> flows in OVS as
#      seen by polling ovs-ofctl, and the flow mods of a restart (the
#      figures of the first rows of bench/RESULTS.md);
#   2. for each scale in BENCH_SCALES (flows on the node): the world of
#      bench/scale.py (64 VM ports on 4 networks, two-hop chains whose
#      classifiers carry source x destination port ranges) loaded into etcd
#      (not timed), then
#      - cold converge: flowsteerd start -> status observed_revision >= the
#        load's revision; reference: the same flows and groups (dumped from
#        the bridge) installed by `ovs-ofctl --bundle add-groups` and
#        `--bundle add-flows` into the emptied bridge;
#      - reference, one flow changed: `ovs-ofctl --bundle replace-flows` of
#        the whole file with one flow changed (BENCH_REF_CHANGES times,
#        alternating with the original); then flowsteerd starts again on
#        the flows ovs-ofctl put there (flow mods: should be 0);
#      - one change: BENCH_CHANGES puts of one classifier's destination
#        port range, each timed from just before the put to the status
#        write that reports its revision observed, and the daemon's own
#        time (last_apply.convergence_ms when the daemon writes it, else
#        last_apply.ms); p50 / p99 (nearest rank);
#      - flowsteerd restart: stop, start -> status observed again; its flow
#        mods, and the smallest observed_revision and flows any status
#        write showed from the start until 1 s after;
#      - ovs-vswitchd restart: stopped by pid and started again (its flow
#        table comes back empty): from it answering `ovs-appctl version`
#        to the status write of the apply that put every flow back
#        (checked with dump-aggregate), beside the bundle install time;
#      - flowsteerd's VmRSS at the end (steady) and its largest VmHWM
#        (peak) over the three processes of the run;
#   2b. the same for each size in BENCH_PORTS of the port-heavy world
#      (many networks and VIFs, no chains), where a change is one port;
#   2c. the same for each size in BENCH_ROUTER of the router world (one
#      distributed router, many subnets and ports), where a change is one
#      router interface, with the flow count beside its formula;
#   3. fan-out: BENCH_FANOUT flowsteerd processes (nodes f1..fN, a bridge
#      each on one ovs-vswitchd) on one etcd, one network with two ports
#      per node; BENCH_FANOUT_CHANGES puts of the network, each timed until
#      every node's status reports it observed.
#   4. fan-out, render only: BENCH_FANOUT_RENDER flowsteerd --no-ovs on one
#      etcd (bench/fanout.sh), put -> every node rendered.
#
# Status writes are watched through etcd's gateway by bench/probe.py
# (record, changes), which timestamps each one as it arrives; puts go
# through a kept-alive HTTP connection, so no process start (etcdctl's is
# 15-50 ms on the bench machine) is in a figure.  The status write comes
# after the barrier reply, so every figure is an upper bound of "in OVS".
#
# Settings (environment):
#   FLOWSTEERD           the daemon (default build/bin/flowsteerd)
#   BENCH_SCALES         flows per run, default "10000 100000 300000"
#   BENCH_PORTS          VIFs per run of the port-heavy world (bench/scale.py
#                        gen-ports: 50 VXLAN networks, the VIFs with port
#                        security, 1,000 ports on two other chassis; the
#                        change: one port bound here, then unbound),
#                        default "2000"
#   BENCH_ROUTER         subnets per run of the router world (bench/scale.py
#                        gen-router: one router with an interface on each
#                        subnet's VXLAN network, BENCH_ROUTER_PORTS ports
#                        (default 2000), half here, half on two other
#                        chassis; the change: one more interface put, then
#                        made a plain port), default "100"
#   BENCH_CHANGES        classifier changes per scale (default 50)
#   BENCH_REF_CHANGES    replace-flows runs per scale (default 5)
#   BENCH_EXAMPLE_ROUNDS updates in section 1 (default 20; 0 skips it)
#   BENCH_FANOUT         flowsteerd processes in section 3 (default 8; 0 skips)
#   BENCH_FANOUT_CHANGES puts in sections 3 and 4 (default 20)
#   BENCH_FANOUT_RENDER  flowsteerd --no-ovs processes in section 4,
#                        bench/fanout.sh (default 100; 0 skips)
#   BENCH_RESULTS        append the tables to this file (make bench:
#                        bench/RESULTS.md); unset: print only
#   BENCH_LABEL          a word on what is measured, for the heading
#   SB_KEEP=1            keep each sandbox's directory (logs, status records)
#
# shellcheck disable=SC2119 # sb_start_flowsteerd takes optional arguments
set -u
cd "$(dirname "$0")/.." || exit 1
: "${FLOWSTEERD:=build/bin/flowsteerd}"
: "${BENCH_SCALES=10000 100000 300000}"
: "${BENCH_PORTS=2000}"
: "${BENCH_ROUTER=100}"
: "${BENCH_ROUTER_PORTS:=2000}"
: "${BENCH_CHANGES:=50}"
: "${BENCH_REF_CHANGES:=5}"
: "${BENCH_EXAMPLE_ROUNDS:=20}"
: "${BENCH_FANOUT:=8}"
: "${BENCH_FANOUT_CHANGES:=20}"
: "${BENCH_FANOUT_RENDER:=100}"
: "${BENCH_RESULTS:=}"
: "${BENCH_LABEL:=}"
# shellcheck source=tests/lib/sandbox.sh
source tests/lib/sandbox.sh
# shellcheck source=tests/lib/sfc_example.sh
source tests/lib/sfc_example.sh

BENCH_TMP=$(mktemp -d /tmp/flowsteer-bench.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# jget JSON EXPR: the Python expression EXPR on the parsed JSON text j.
jget() {
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}

# ms VALUE: a time in ms for the tables: one decimal below 10 ms.
ms() { python3 -c 'import sys; v = float(sys.argv[1]); print("%.1f" % v if v < 10 else "%.0f" % v)' "$1"; }

# ratio A B: A / B with two decimals.
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

# thousands N: 100122 -> 100,122.
thousands() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }

# vm_kb FIELD PID: VmRSS or VmHWM of PID in kB.
vm_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"; }

# mib KB: kB -> MiB.
mib() { echo $((($1 + 512) / 1024)); }

# ref_ofctl ARGS...: ovs-ofctl for the reference figures, without its
# "Unreasonably long poll interval" warnings (errors still show).
ref_ofctl() { sb_ofctl -vconsole:err "$@"; }

# flow_count: flows on br-int (dump-aggregate: no dump of every flow).
flow_count() {
	sb_ofctl dump-aggregate br-int | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p'
}

# group_count: groups on br-int.
group_count() { sb_ofctl dump-groups br-int | grep -c 'group_id='; }

# status_until AFTER EXPR TIMEOUT [SETTLE]: the first status write recorded
# in $BENCH_REC after AFTER (ms) for which EXPR holds (probe.py until).
status_until() {
	bench/probe.py until "$BENCH_REC" --after "$1" --cond "$2" \
		--timeout "$3" --settle "${4:-0}"
}

# status_last: the last status write recorded in $BENCH_REC.
status_last() { tail -1 "$BENCH_REC"; }

# start_recorder: probe.py record of this node's status into $BENCH_REC.
start_recorder() {
	BENCH_REC=$SB_DIR/status.jsonl
	bench/probe.py record --etcd "$ETCD" --prefix "/flowsteer/status/$1" \
		--out "$BENCH_REC" --ready "$SB_DIR/recorder.ready" >/dev/null &
	sb_track $!
	sb_wait_for 10 test -e "$SB_DIR/recorder.ready" ||
		{ echo "bench: the status recorder did not start" >&2; return 1; }
}

# hwm_note PID: BENCH_HWM = the largest VmHWM (kB) seen so far.
hwm_note() {
	local kb
	kb=$(vm_kb VmHWM "$1")
	[ "${kb:-0}" -gt "${BENCH_HWM:-0}" ] && BENCH_HWM=$kb
	return 0
}

say() { echo "bench: $*" >&2; }

# cpu_ticks: "<busy> <all>" clock ticks of the whole machine so far
# (/proc/stat; idle and iowait are not busy).
cpu_ticks() {
	awk '$1 == "cpu" { all = 0; for (i = 2; i <= NF; i++) all += $i
		print all - $5 - $6, all; exit }' /proc/stat
}

# our_ticks PID: clock ticks shell PID and everything it started used so
# far: its own time, that of the children it reaped (a reaped child brings
# the time of the children it reaped), and that of the sandbox processes
# still running (SB_PIDS).
our_ticks() {
	local pid sum
	sum=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat")
	for pid in "${SB_PIDS[@]}"; do
		[ -r "/proc/$pid/stat" ] &&
			sum=$((sum + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
	done
	echo "$sum"
}

# others_pct PID BUSY0 ALL0 OURS0: the share (%) of the machine's CPU
# time that other users of the machine took since cpu_ticks and
# our_ticks PID gave BUSY0 ALL0 and OURS0.
others_pct() {
	local busy all ours
	read -r busy all < <(cpu_ticks)
	ours=$(our_ticks "$1")
	shift
	echo $((100 * ((busy - $1) - (ours - $3)) / (all - $2 > 0 ? all - $2 : 1)))
}

# --- 1. the networking-sfc example ------------------------------------------

bench_example() {
	local i port value t0 fc_key fc lat=() sorted n
	exec 3>&1 1>&2 # stdout: the result line only
	sb_init || return 1
	sb_start_etcd || return 1
	sb_start_ovs || return 1
	sb_sfc_topology >/dev/null || return 1
	sb_start_flowsteerd
	examples/sfc/put.sh -e "$ETCD" "$SB_NODE" json >/dev/null
	sb_wait_for 15 sh -c "ovs-ofctl -O OpenFlow15 dump-groups br-int | grep -q select" ||
		return 1
	fc_key=/flowsteer/v1/flow_classifiers/$(ex_id flow_classifiers FC1)
	fc=$(sb_etcdctl get "$fc_key" --print-value-only)
	for i in $(seq 1 "$BENCH_EXAMPLE_ROUNDS"); do
		port=$((1000 + i))
		value=${fc//\"destination_port_range_min\": 100/\"destination_port_range_min\": $port}
		value=${value//\"destination_port_range_max\": 100/\"destination_port_range_max\": $port}
		t0=$(sb_now_ms)
		sb_etcdctl put "$fc_key" "$value" >/dev/null
		sb_wait_for 10 sh -c "ovs-ofctl -O OpenFlow15 dump-flows br-int table=10 | grep -q 'tp_dst=$port'" ||
			{ say "example: round $i timed out"; return 1; }
		lat+=($(($(sb_now_ms) - t0)))
	done
	sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
	n=${#lat[@]}
	sb_stop_flowsteerd
	sb_start_flowsteerd
	sb_wait_for 15 sh -c "etcdctl --endpoints=$ETCD get /flowsteer/status/$SB_NODE --print-value-only | grep -q '\"ms\"'"
	sleep 1
	printf >&3 'Example (examples/sfc, %s flows): put -> flows in OVS over %s updates of FC1 (etcdctl put until ovs-ofctl dump-flows shows it, both process starts included): min %s / median %s / max %s ms; restart: last_apply %s.\n' \
		"$(sb_status '["flows"]')" "$n" "$(echo "$sorted" | head -1)" \
		"$(echo "$sorted" | sed -n "$(((n + 1) / 2))p")" \
		"$(echo "$sorted" | tail -1)" "$(sb_status '["last_apply"]')"
}

# --- 2. at scale -------------------------------------------------------------

# bench_scale FLOWS: prints one markdown row.
bench_scale() {
	local target=$1 world=${2:-chains} gen rev t0 t1 j plan f i what
	local started cold_ms flows groups cold_mods dumped bundle_ms ref=() ref_p50 ref_max
	local back_ms back_mods key ch cur restart_ms restart_mods min_obs min_flows
	local t_launch t_accept vsw_ms n_before n_after rss me busy0 all0 ours0 others
	exec 3>&1 1>&2 # stdout: the row only
	me=$BASHPID
	read -r busy0 all0 < <(cpu_ticks)
	ours0=$(our_ticks "$me")
	started=$(sb_now_ms)
	BENCH_HWM=0
	sb_init || return 1
	sb_start_etcd || return 1
	sb_start_ovs || return 1
	gen=$SB_DIR/gen
	if [ "$world" = ports ]; then
		plan=$(bench/scale.py gen-ports --vifs "$target" --node "$SB_NODE" --out "$gen") || return 1
		say "$target VIFs: $(jget "$plan" 'j["networks"]') networks, $(jget "$plan" 'j["remote"]') remote ports, $(jget "$plan" 'j["keys"]') keys, about $(jget "$plan" 'j["flows"]') flows"
		what="one port bound here / unbound"
	elif [ "$world" = router ]; then
		plan=$(bench/scale.py gen-router --subnets "$target" --ports "$BENCH_ROUTER_PORTS" --node "$SB_NODE" --out "$gen") || return 1
		say "router, $target subnets: $(jget "$plan" 'j["ports"]') ports ($(jget "$plan" 'j["local"]') here), $(jget "$plan" 'j["keys"]') keys, $(jget "$plan" 'j["flows"]') flows predicted: $(jget "$plan" 'j["formula"]')"
		what="one router interface added / removed"
	else
		plan=$(bench/scale.py gen --flows "$target" --node "$SB_NODE" --out "$gen") || return 1
		say "$target: $(jget "$plan" 'j["chains"]') chains, $(jget "$plan" 'j["keys"]') keys, $(jget "$plan" 'j["flows"]') flows predicted"
		what="changes of one classifier"
	fi
	sb_add_internal_ports br-int <"$gen/ifaces.txt" || return 1
	rev=$(bench/scale.py load --etcd "$ETCD" "$gen") || return 1
	start_recorder "$SB_NODE" || return 1

	say "$target: cold converge"
	t0=$(sb_now_ms)
	sb_start_flowsteerd
	j=$(status_until "$t0" "d['observed_revision'] >= $rev" 1800) || return 1
	cold_ms=$(jget "$j" 'j["ms"]')
	flows=$(jget "$j" 'j["doc"]["flows"]')
	groups=$(jget "$j" 'j["doc"]["groups"]')
	cold_mods=$(jget "$j" 'j["doc"]["last_apply"]["flow_mods"]')
	[ "$(flow_count)" = "$flows" ] ||
		{ say "$target: status says $flows flows, the bridge has $(flow_count)"; return 1; }

	say "$target: reference: ovs-ofctl --bundle add-groups, add-flows; replace-flows"
	hwm_note "$SB_FLOWSTEERD_PID"
	sb_stop_flowsteerd
	ref_ofctl dump-flows --no-stats br-int | grep -v '^OFPST_FLOW' >"$SB_DIR/flows.txt"
	ref_ofctl dump-groups br-int | grep -v '^OFPST_GROUP' >"$SB_DIR/groups.txt"
	dumped=$(wc -l <"$SB_DIR/flows.txt")
	ref_ofctl del-flows br-int && ref_ofctl del-groups br-int || return 1
	[ "$(flow_count)" = 0 ] || { say "$target: del-flows left flows"; return 1; }
	t0=$(sb_now_ms)
	ref_ofctl --bundle add-groups br-int "$SB_DIR/groups.txt" || return 1
	ref_ofctl --bundle add-flows br-int "$SB_DIR/flows.txt" || return 1
	bundle_ms=$(($(sb_now_ms) - t0))
	if [ "$(flow_count)" != "$dumped" ] || [ "$(group_count)" != "$groups" ]; then
		say "$target: the bundle installed $(flow_count) flows, $(group_count) groups"
		return 1
	fi
	bench/scale.py one-flow-changed "$SB_DIR/flows.txt" "$SB_DIR/flows-1.txt" || return 1
	for ((i = 1; i <= BENCH_REF_CHANGES; i++)); do
		f=$SB_DIR/flows.txt
		((i % 2)) && f=$SB_DIR/flows-1.txt
		t0=$(sb_now_ms)
		ref_ofctl --bundle replace-flows br-int "$f" || return 1
		ref+=($(($(sb_now_ms) - t0)))
	done
	if ((BENCH_REF_CHANGES % 2)); then
		ref_ofctl --bundle replace-flows br-int "$SB_DIR/flows.txt" || return 1
	fi
	ref_p50=$(printf '%s\n' "${ref[@]}" | sort -n | sed -n "$(((${#ref[@]} + 1) / 2))p")
	ref_max=$(printf '%s\n' "${ref[@]}" | sort -n | tail -1)

	say "$target: flowsteerd on the flows ovs-ofctl installed"
	t0=$(sb_now_ms)
	sb_start_flowsteerd
	# Until its first apply, a restarted flowsteerd shows the revision of
	# the previous run's status ("observed_carried"): wait for the apply,
	# or the first change below would wait behind the start.
	j=$(status_until "$t0" "d['observed_revision'] >= $rev and not d.get('observed_carried')" 1800) || return 1
	back_ms=$(jget "$j" 'j["ms"]')
	back_mods=$(jget "$j" 'j["doc"]["last_apply"]["flow_mods"]')

	say "$target: $BENCH_CHANGES $what"
	key=$(jget "$plan" 'j["change"]["key"]')
	ch=$(bench/probe.py changes --etcd "$ETCD" --nodes "$SB_NODE" --key "$key" \
		--values "$gen/change0.json,$gen/change1.json" \
		--count "$BENCH_CHANGES" --timeout 600) || return 1
	echo "$ch" >"$SB_DIR/changes.json"

	say "$target: flowsteerd restart"
	cur=$(jget "$(status_last)" 'j["doc"]["observed_revision"]')
	hwm_note "$SB_FLOWSTEERD_PID"
	sb_stop_flowsteerd
	t0=$(sb_now_ms)
	sb_start_flowsteerd
	# Ready: this run's first apply is done (not the revision carried over
	# from the previous run's status, "observed_carried").
	j=$(status_until "$t0" "d['observed_revision'] >= $cur and not d.get('observed_carried')" 1800 1) || return 1
	restart_ms=$(jget "$j" 'j["ms"]')
	restart_mods=$(jget "$j" 'j["doc"]["last_apply"]["flow_mods"]')
	min_obs=$(jget "$j" 'j["min_observed"]')
	min_flows=$(jget "$j" 'j["min_flows"]')

	say "$target: ovs-vswitchd restart"
	n_before=$(flow_count)
	sb_stop_pid "$SB_VSWITCHD_PID"
	t_launch=$(sb_now_ms)
	sb_run_vswitchd || return 1
	t_accept=$(sb_now_ms)
	j=$(status_until "$t_launch" "la.get('flow_mods', 0) > 0 and 'error' not in la and d['flows'] == $n_before" 1800) ||
		return 1
	vsw_ms=$(jget "$j" "j['t'] - $t_accept")
	n_after=$(flow_count)
	[ "$n_after" = "$n_before" ] ||
		{ say "$target: $n_after flows after the vswitchd restart, $n_before before"; return 1; }

	rss=$(vm_kb VmRSS "$SB_FLOWSTEERD_PID")
	hwm_note "$SB_FLOWSTEERD_PID"
	t1=$(sb_now_ms)
	others=$(others_pct "$me" "$busy0" "$all0" "$ours0")

	say "$target: done in $(((t1 - started) / 1000)) s; other users of the machine took $others% of its CPU time meanwhile"
	# | flows / groups | cold converge (x bundle) | bundle add | one change
	# put -> observed p50 / p99 | in daemon p50 / p99 | flow mods | replace-flows
	# | restart | vswitchd restart | RSS | bench time |
	local label=""
	[ "$world" = ports ] && label="$(thousands "$target") VIFs: "
	[ "$world" = router ] && label="router, $target subnets, $(thousands "$BENCH_ROUTER_PORTS") ports ($(jget "$plan" 'j["l2"] + j["l3"]') predicted: $(jget "$plan" 'j["formula"]')): "
	printf >&3 '| %s%s / %s | %s ms (%s×; %s flow mods) | %s ms | %s / %s ms | %s / %s ms (%s) | %s | %s ms (max %s) | %s ms, %s flow mods; min observed %s, min flows %s | %s ms (%s×) | %s / %s MiB | %s s (%s%%) |\n' \
		"$label" "$(thousands "$flows")" "$groups" \
		"$(ms "$cold_ms")" "$(ratio "$cold_ms" "$bundle_ms")" "$(thousands "$cold_mods")" \
		"$bundle_ms" \
		"$(ms "$(jget "$ch" 'j["ms"]["p50"]')")" "$(ms "$(jget "$ch" 'j["ms"]["p99"]')")" \
		"$(ms "$(jget "$ch" 'j["daemon_ms"]["p50"]')")" "$(ms "$(jget "$ch" 'j["daemon_ms"]["p99"]')")" \
		"$(jget "$ch" 'j["daemon_field"]')" \
		"$(jget "$ch" 'j["flow_mods"]["p50"]')" \
		"$ref_p50" "$ref_max" \
		"$(ms "$restart_ms")" "$restart_mods" "$min_obs" "$(thousands "$min_flows")" \
		"$(ms "$vsw_ms")" "$(ratio "$vsw_ms" "$bundle_ms")" \
		"$(mib "$rss")" "$(mib "$BENCH_HWM")" \
		"$(((t1 - started) / 1000))" "$others"
	say "$target: reconcile on ovs-ofctl's flows: $(ms "$back_ms") ms, $back_mods flow mods; $BENCH_CHANGES changes: $(jget "$ch" '[r["ms"] for r in j["rounds"]]')"
}

# --- 3. fan-out --------------------------------------------------------------

# fanout_doc KIND NAME JSON: writes $SB_DIR/fan/json/KIND/NAME.json.
fanout_doc() {
	mkdir -p "$SB_DIR/fan/json/$1"
	echo "$3" >"$SB_DIR/fan/json/$1/$2.json"
}

bench_fanout() {
	local n=$1 k i desc id csv net=1b0e5c4a-00fa-4000-8000-000000000001 nodes=() rev ch
	exec 3>&1 1>&2 # stdout: the result line only
	sb_init || return 1
	sb_start_etcd || return 1
	sb_start_ovs || return 1
	for desc in a b; do
		echo "{\"network\": {\"id\": \"$net\", \"name\": \"fan\", \"description\": \"$desc\", \"provider:network_type\": \"vxlan\", \"provider:segmentation_id\": 77}}" \
			>"$SB_DIR/net-$desc.json"
	done
	fanout_doc networks fan "$(cat "$SB_DIR/net-a.json")"
	for ((k = 1; k <= n; k++)); do
		nodes+=("f$k")
		sb_vsctl add-br "br-f$k" -- set bridge "br-f$k" datapath_type=netdev \
			fail_mode=secure protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15 ||
			return 1
		sb_wait_for 10 test -S "$OVS_RUNDIR/br-f$k.mgmt" || return 1
		for i in 1 2; do
			id=$(printf '2c9f0a11-00fa-4000-8000-%06x%06x' "$k" "$i")
			fanout_doc ports "f$k-vm$i" "{\"port\": {\"id\": \"$id\", \"network_id\": \"$net\", \"mac_address\": \"fa:16:3e:fa:$(printf %02x "$k"):0$i\", \"device_id\": \"f$k-vm$i\", \"binding:host_id\": \"f$k\", \"fixed_ips\": [{\"ip_address\": \"10.250.$k.$i\"}]}}"
			echo "f${k}vm$i $id"
		done | sb_add_internal_ports "br-f$k" || return 1
	done
	rev=$(bench/scale.py load --etcd "$ETCD" "$SB_DIR/fan") || return 1
	for k in "${nodes[@]}"; do
		"$FLOWSTEERD" --node "$k" --etcd "$ETCD" --ovsdb "$SB_OVSDB" \
			--bridge "br-$k" --metrics-address off >>"$SB_DIR/flowsteerd-$k.log" 2>&1 &
		sb_track $!
	done
	for k in "${nodes[@]}"; do
		SB_NODE=$k sb_wait_observed "$rev" 60 ||
			{ say "fan-out: node $k did not converge"; return 1; }
	done
	printf -v csv '%s,' "${nodes[@]}"
	ch=$(bench/probe.py changes --etcd "$ETCD" --nodes "${csv%,}" --key "/flowsteer/v1/networks/$net" \
		--values "$SB_DIR/net-a.json,$SB_DIR/net-b.json" \
		--count "$BENCH_FANOUT_CHANGES" --timeout 60) || return 1
	printf >&3 'Fan-out: %s flowsteerd processes (a bridge each on one ovs-vswitchd, %s flows each) on one etcd, %s puts of a network every node has ports on: put -> every node observed p50 %s / p99 %s ms (one node: p50 %s / p99 %s ms).\n' \
		"$n" "$(SB_NODE=f1 sb_status '["flows"]')" "$BENCH_FANOUT_CHANGES" \
		"$(ms "$(jget "$ch" 'j["ms"]["p50"]')")" "$(ms "$(jget "$ch" 'j["ms"]["p99"]')")" \
		"$(ms "$(jget "$ch" 'j["node_ms"]["p50"]')")" "$(ms "$(jget "$ch" 'j["node_ms"]["p99"]')")"
}

# --- the run -------------------------------------------------------------------

machine() {
	local mem
	mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
	printf '%s cores (%s), %s GiB, Debian %s' "$(nproc)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
		"$mem" "$(cat /etc/debian_version 2>/dev/null || echo '?')"
}

commit() {
	local c
	c=$(git rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	git diff --quiet HEAD -- . ':!bench/RESULTS.md' 2>/dev/null || c="$c+changes"
	echo "$c"
}

header="### $(date +%Y-%m-%d)${BENCH_LABEL:+: $BENCH_LABEL}"
about="$(machine); flowsteerd $(commit); ovs-vswitchd $(ovs-vswitchd --version | sed -n '1s/.* //p'), etcd $(etcd --version | sed -n '1s/.*: //p'); BENCH_CHANGES=$BENCH_CHANGES, BENCH_REF_CHANGES=$BENCH_REF_CHANGES."
echo "$header"
echo "$about"
notes=()
if [ "$BENCH_EXAMPLE_ROUNDS" -gt 0 ]; then
	say "example"
	if line=$(bench_example); then notes+=("$line"); else notes+=("Example: failed."); fi
	echo "${notes[-1]}"
fi
rows=()
for scale in $BENCH_SCALES; do
	if row=$(bench_scale "$scale"); then
		rows+=("$row")
	else
		rows+=("| $scale: failed (see the messages above) | | | | | | | | | | |")
	fi
	echo "${rows[-1]}"
done
for vifs in $BENCH_PORTS; do
	if row=$(bench_scale "$vifs" ports); then
		rows+=("$row")
	else
		rows+=("| $vifs VIFs: failed (see the messages above) | | | | | | | | | | |")
	fi
	echo "${rows[-1]}"
done
for subnets in $BENCH_ROUTER; do
	if row=$(bench_scale "$subnets" router); then
		rows+=("$row")
	else
		rows+=("| router, $subnets subnets: failed (see the messages above) | | | | | | | | | | |")
	fi
	echo "${rows[-1]}"
done
if [ "$BENCH_FANOUT" -gt 0 ]; then
	say "fan-out"
	if line=$(bench_fanout "$BENCH_FANOUT"); then notes+=("$line"); else notes+=("Fan-out: failed."); fi
	echo "${notes[-1]}"
fi
if [ "$BENCH_FANOUT_RENDER" -gt 0 ]; then
	say "fan-out, render only: $BENCH_FANOUT_RENDER flowsteerd --no-ovs"
	if out=$(FANOUT_NODES=$BENCH_FANOUT_RENDER FANOUT_ROUNDS=$BENCH_FANOUT_CHANGES bench/fanout.sh 2>&1); then
		notes+=("Fan-out, render only (bench/fanout.sh: flowsteerd --no-ovs, the networking-sfc example, puts of FC1): $(echo "$out" | grep '^fan-out' | tr '\n' ' ')")
	else
		notes+=("Fan-out, render only: failed ($(echo "$out" | tail -1)).")
	fi
	echo "${notes[-1]}"
fi

{
	echo
	echo "$header"
	echo
	echo "$about"
	if [ ${#rows[@]} -gt 0 ]; then
		echo
		echo "| flows / groups | cold converge (× bundle add; flow mods) | ovs-ofctl --bundle add-groups + add-flows | one change: put → observed p50 / p99 | in the daemon p50 / p99 (field) | flow mods per change | ovs-ofctl --bundle replace-flows, 1 flow changed: p50 (max) | flowsteerd restart: ready, flow mods; smallest observed / flows shown | ovs-vswitchd restart → all flows back (× bundle add) | RSS steady / peak | bench time (others' CPU share) |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		printf '%s\n' "${rows[@]}"
	fi
	for line in "${notes[@]}"; do
		echo
		echo "$line"
	done
} >"$BENCH_TMP/results.md"
if [ -n "$BENCH_RESULTS" ]; then
	cat "$BENCH_TMP/results.md" >>"$BENCH_RESULTS"
	say "appended to $BENCH_RESULTS"
else
	cat "$BENCH_TMP/results.md"
fi
