#!/usr/bin/env bash
# tests/lib/etcd_cluster.sh: a private etcd cluster of N members on
# loopback, and etcd with TLS and client-certificate auth, for the tests of
# flowsteerd's etcd client.  Source tests/lib/sandbox.sh first (it owns the
# temp dir, the clean-up and the process list: every member is tracked).
#
# After sb_start_etcd_cluster N:
#   ETCD                  every member's client URL, comma-separated (what
#                         flowsteerd's --etcd and etcdctl's --endpoints take)
#   SB_MEMBER_URLS[i]     member i's client URL
#   SB_MEMBER_PIDS[i]     member i's pid (0 while stopped)
#   $SB_DIR/etcd-m<i>.log its log

# sb_member_exec I: runs member I in the foreground (for "&").
sb_member_exec() {
	local i=$1
	exec etcd --name "m$i" --data-dir "$SB_DIR/etcd-m$i" \
		--listen-client-urls "${SB_MEMBER_URLS[i]}" \
		--advertise-client-urls "${SB_MEMBER_URLS[i]}" \
		--listen-peer-urls "${SB_MEMBER_PEERS[i]}" \
		--initial-advertise-peer-urls "${SB_MEMBER_PEERS[i]}" \
		--initial-cluster "$SB_CLUSTER" \
		--initial-cluster-token "$SB_PREFIX-cluster" \
		--initial-cluster-state new \
		--heartbeat-interval 50 --election-timeout 500 \
		>>"$SB_DIR/etcd-m$i.log" 2>&1
}

# sb_start_member I: starts member I (again, on its data dir).
sb_start_member() {
	sb_member_exec "$1" &
	SB_MEMBER_PIDS[$1]=$!
	sb_track $!
}

# sb_kill_member I: SIGKILL to member I (a crash), waited for.
sb_kill_member() {
	local pid=${SB_MEMBER_PIDS[$1]}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sb_untrack "$pid"
	SB_MEMBER_PIDS[$1]=0
}

# sb_member_healthy I: member I answers and has a leader.
sb_member_healthy() {
	etcdctl --endpoints="${SB_MEMBER_URLS[$1]}" endpoint health >/dev/null 2>&1
}

# sb_start_etcd_cluster N: N members on free loopback ports; returns once
# every member is healthy.  Sets ETCD (exported), SB_MEMBER_*.
sb_start_etcd_cluster() {
	local n=$1 i cport pport urls=() cluster=()
	SB_MEMBER_URLS=() SB_MEMBER_PEERS=() SB_MEMBER_PIDS=()
	for ((i = 0; i < n; i++)); do
		cport=$(sb_free_port)
		pport=$(sb_free_port)
		SB_MEMBER_URLS[i]=http://127.0.0.1:$cport
		SB_MEMBER_PEERS[i]=http://127.0.0.1:$pport
		urls+=("${SB_MEMBER_URLS[i]}")
		cluster+=("m$i=${SB_MEMBER_PEERS[i]}")
	done
	SB_CLUSTER=$(IFS=,; echo "${cluster[*]}")
	ETCD=$(IFS=,; echo "${urls[*]}")
	export ETCD
	for ((i = 0; i < n; i++)); do
		sb_start_member "$i"
	done
	for ((i = 0; i < n; i++)); do
		sb_wait_for 30 sb_member_healthy "$i" ||
			{ echo "etcd member $i did not become healthy:" >&2; tail -5 "$SB_DIR/etcd-m$i.log" >&2; return 1; }
	done
}

# sb_member_of URL: the index of the member with client URL URL.
sb_member_of() {
	local i
	for i in "${!SB_MEMBER_URLS[@]}"; do
		[ "${SB_MEMBER_URLS[i]}" = "$1" ] && { echo "$i"; return 0; }
	done
	return 1
}

# sb_make_certs: a private CA and, signed by it, a server certificate for
# 127.0.0.1, a client certificate for flowsteerd (node1: no CommonName,
# since etcd's gateway refuses a client certificate with one once auth is
# on, "CommonName of client sending a request against gateway will be
# ignored") and one for etcdctl (CN operator, etcd's user name for it), in
# $SB_DIR/pki (ca.pem; server.pem, server-key.pem; node1.pem,
# node1-key.pem; operator.pem, operator-key.pem).
sb_make_certs() {
	local d=$SB_DIR/pki name
	mkdir -p "$d" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=flowsteer-test-ca" \
		-keyout "$d/ca-key.pem" -out "$d/ca.pem" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$d/server.ext"
	printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
	local subj
	for name in server node1 operator; do
		subj="/CN=$name"
		[ "$name" = node1 ] && subj="/O=flowsteer/OU=node1"
		openssl req -newkey rsa:2048 -nodes -subj "$subj" \
			-keyout "$d/$name-key.pem" -out "$d/$name.csr" >/dev/null 2>&1 || return 1
		openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" \
			-CAcreateserial -days 1 -out "$d/$name.pem" \
			-extfile "$d/$([ "$name" = server ] && echo server || echo client).ext" \
			>/dev/null 2>&1 || return 1
	done
}

# sb_start_etcd_tls [ETCD ARGS...]: one etcd member serving clients over
# https with client-certificate auth (--client-cert-auth, CA $SB_DIR/pki);
# sb_make_certs first.  Sets and exports ETCD (https URL); sb_etcdctl_as
# USER[:PASSWORD] talks to it with the operator's client certificate.
sb_start_etcd_tls() {
	local cport pport d=$SB_DIR/pki
	cport=$(sb_free_port)
	pport=$(sb_free_port)
	ETCD=https://127.0.0.1:$cport
	export ETCD
	etcd --name tls --data-dir "$SB_DIR/etcd-tls" \
		--listen-client-urls "$ETCD" --advertise-client-urls "$ETCD" \
		--listen-peer-urls "http://127.0.0.1:$pport" \
		--initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "tls=http://127.0.0.1:$pport" \
		--cert-file "$d/server.pem" --key-file "$d/server-key.pem" \
		--trusted-ca-file "$d/ca.pem" --client-cert-auth "$@" \
		>"$SB_DIR/etcd.log" 2>&1 &
	SB_ETCD_PID=$!
	sb_track $SB_ETCD_PID
	sb_wait_for 20 sb_etcdctl_as "" endpoint health ||
		{ echo "etcd (TLS) did not start:" >&2; tail -5 "$SB_DIR/etcd.log" >&2; return 1; }
}

# sb_etcdctl_as USER[:PASSWORD] ARGS...: etcdctl over TLS with the operator's
# client certificate, as USER ("" = no user).
sb_etcdctl_as() {
	local user=$1 d=$SB_DIR/pki
	shift
	etcdctl --endpoints="$ETCD" --cacert "$d/ca.pem" --cert "$d/operator.pem" \
		--key "$d/operator-key.pem" ${user:+--user "$user"} "$@"
}
