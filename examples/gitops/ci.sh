#!/usr/bin/env bash
# examples/gitops/ci.sh NODE: the pipeline a GitOps repository runs on
# every push of its manifests (README.md here walks through it):
#   1. validate  offline, every model rule (fails the pipeline on errors)
#   2. diff      what changes in etcd (informational)
#   3. plan      what NODE's switch will hold or, with $OVSDB, only the
#                exact changes flowsteerd will make there (informational)
#   4. apply --prune   writes, deleting what the manifests no longer have
#   5. status --wait-converged   waits until every live node runs it
# Environment: FLOWSTEERCTL (default flowsteerctl), ETCD (default
# http://127.0.0.1:2379), MANIFESTS (default manifests/ beside this script),
# OVSDB (the node's OVSDB, e.g. unix:/run/openvswitch/db.sock; optional),
# TIMEOUT (seconds to wait for convergence, default 60).
set -euo pipefail

NODE=${1:?usage: ci.sh NODE}
CTL=${FLOWSTEERCTL:-flowsteerctl}
ETCD=${ETCD:-http://127.0.0.1:2379}
MANIFESTS=${MANIFESTS:-$(cd "$(dirname "$0")" && pwd)/manifests}
TIMEOUT=${TIMEOUT:-60}

stage() { printf '\n=== %s\n' "$*"; }

# allow_changes CMD...: runs CMD; exit 1 ("there are changes") is fine.
# Sets RC to CMD's exit status.
allow_changes() {
	RC=0
	"$@" || RC=$?
	[ "$RC" -le 1 ] || { echo "ci.sh: $1 ${2:-} failed (exit $RC)" >&2; return "$RC"; }
}

stage "1/5 validate $MANIFESTS"
"$CTL" validate -f "$MANIFESTS"

stage "2/5 diff against etcd ($ETCD)"
allow_changes "$CTL" diff -f "$MANIFESTS" --prune --etcd "$ETCD"

stage "3/5 plan for node $NODE"
plan_args=(plan --node "$NODE" -f "$MANIFESTS" --prune --etcd "$ETCD")
[ -n "${OVSDB:-}" ] && plan_args+=(--ovsdb "$OVSDB")
allow_changes "$CTL" "${plan_args[@]}"
# plan --ovsdb prints nothing when the node already runs the manifests.
[ -n "${OVSDB:-}" ] && [ "$RC" = 0 ] && echo "no changes on $NODE"

stage "4/5 apply --prune"
"$CTL" apply -f "$MANIFESTS" --prune --etcd "$ETCD"

stage "5/5 status --wait-converged (up to $TIMEOUT s)"
"$CTL" status --wait-converged --timeout "$TIMEOUT" --etcd "$ETCD"

stage "done: the manifests are in etcd and every live node runs them"
