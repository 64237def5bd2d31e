/* model/build.h: state while a snapshot is built (private to model/). */
#ifndef FS_MODEL_BUILD_H
#define FS_MODEL_BUILD_H 1

#include <openvswitch/shash.h>

#include "model/model.h"
#include "simap.h"

struct fs_doc; /* model/parse.h */

/* 'valid[kind]' maps id -> struct fs_doc for every resource still accepted;
 * a rule that fails removes it with fs_build_reject().  'path_ids' maps each
 * accepted chain's id to its path id (0 = pending), filled by
 * fs_check_chains(). */
struct fs_build {
    struct fs_model *m;
    struct fs_snapshot *snap;
    struct shash valid[FS_N_KINDS];
    struct simap path_ids;
    struct simap vnis; /* Accepted overlay network id -> VNI (0 pending). */
    /* Slice documents that did not parse but name networks (their
     * 'held'), for fs_check_slices(). */
    struct fs_doc **bad_slices;
    size_t n_bad_slices, allocated_bad_slices;
};

/* Removes resource 'id' of 'kind' from the accepted set and records why, at
 * JSON path <resource base>.<field> ('field' NULL: the resource itself).
 * Does nothing if it was already rejected. */
void fs_build_reject(struct fs_build *, enum fs_kind kind, const char *id,
                     const char *field, const char *fmt, ...)
    OVS_PRINTF_FORMAT(5, 6);

/* Returns the accepted resource of 'kind' with 'id' (NULL id: NULL). */
const void *fs_build_res(const struct fs_build *, enum fs_kind kind,
                         const char *id);

/* qsort() comparison of two struct fs_doc * by creation: create_revision,
 * then etcd key. */
int fs_doc_compare_created(const void *a, const void *b);

/* Returns the accepted documents of 'kind', earliest created first
 * (create_revision, then etcd key): who came first wins a rule.  Caller
 * frees the array, not the documents; '*n' gets the count. */
struct fs_doc **fs_build_by_creation(struct fs_build *, enum fs_kind kind,
                                     size_t *n);

/* Applies every cross-resource rule (model/refs.c), in this order:
 * fs_check_provider_networks(), fs_check_overlay_networks(),
 * fs_check_slices(), fs_check_subnets(), (routers: no rule),
 * fs_check_ports(), fs_check_router_interfaces(), fs_check_port_pairs(),
 * fs_check_groups(), fs_check_classifiers(), fs_check_chains(),
 * fs_check_flowspaces().  Each rule walks the accepted resources of its
 * kind in 'valid' and reads those of the kinds before it; the incremental
 * snapshot (model/incremental.c) runs one rule over a part of its kind
 * with the same code. */
void fs_check_references(struct fs_build *);

/* A subnet's network is valid (model/refs.c): else it is rejected at
 * network_id.  After the network and slice rules, before the port rules
 * (a port's fixed IPs name subnets). */
void fs_check_subnets(struct fs_build *);

/* A port's network, the subnet of each fixed IP and a router interface's
 * router (device_id) are valid (the reference graph, in that order), and
 * then fs_check_port_subnets() (model/refs.c). */
void fs_check_ports(struct fs_build *);

/* Port 'p' (accepted, its references valid): each fixed IP's subnet is on
 * the port's network (else rejected at fixed_ips[i].subnet_id) and its
 * cidr holds the address (else at fixed_ips[i].ip_address)
 * (model/routers.c). */
void fs_check_port_subnets(struct fs_build *, const struct fs_port *p);

/* Router interfaces (model/routers.c), right after fs_check_ports(): of
 * two accepted interface ports of one router whose IPv4 subnets' cidrs
 * overlap (the same subnet twice too), the later one (create_revision,
 * then key) is rejected at fixed_ips[i].subnet_id (i its IPv4 fixed IP),
 * naming the earlier port, its subnet and cidr.  Interfaces of different
 * routers never clash.  Reads only the interfaces of one router: O(k^2)
 * for k interfaces of a router, O(n log n) to sort them. */
void fs_check_router_interfaces(struct fs_build *);

/* A port pair's ports are valid and of one device (model/refs.c). */
void fs_check_port_pairs(struct fs_build *);

/* A group's port pairs are valid and in no group with a smaller id
 * (model/refs.c). */
void fs_check_groups(struct fs_build *);

/* A flow classifier's logical ports are valid (model/refs.c). */
void fs_check_classifiers(struct fs_build *);

/* Fills the snapshot's port chains' path ids (from 'path_ids'), its
 * pending chains, chain_of_group and used_path_ids (model/snapshot.c). */
void fs_assign_path_ids(struct fs_build *);

/* Fills the snapshot's orphan path id allocations (model/snapshot.c). */
void fs_find_chain_orphans(struct fs_build *);

/* Provider network rules (model/provider.c): a VLAN id used twice on one
 * physnet, or a second flat network on one physnet, rejects the network
 * created later (higher create_revision, then higher etcd key) with an
 * error naming the earlier one.  Runs before the port rules, so the ports of
 * a rejected network are rejected too. */
void fs_check_provider_networks(struct fs_build *);

/* Overlay network rules and VNIs (model/vnis.c): a VNI (explicit or
 * allocated) used by two vxlan/geneve networks rejects the one created
 * later; fills 'vnis'. */
void fs_check_overlay_networks(struct fs_build *);

/* Fills the snapshot's VNIs: each overlay network's 'vni', the pending
 * networks, the orphan allocations and the used VNIs (model/vnis.c). */
void fs_assign_vnis(struct fs_build *);

/* Port chain rules and path ids (model/chains.c). */
void fs_check_chains(struct fs_build *);

/* Returns true if two flow classifiers can match the same packet from the
 * same logical source port (model/chains.c). */
bool fs_classifiers_overlap(const struct fs_flow_classifier *,
                            const struct fs_flow_classifier *);

/* Returns where 's' keeps its array of 'kind' and stores in '*n' where it
 * keeps its length (fs_snapshot_array() reads them). */
void **fs_snapshot_array_slot(struct fs_snapshot *s, enum fs_kind kind,
                              size_t **n);

/* Frees 's''s pending chains, orphan chains and path ids and used path
 * ids (not the pointers' slots: the caller sets them anew). */
void fs_snapshot_free_chain_lists(struct fs_snapshot *s);

/* Frees 's''s pending networks, orphan VNI allocations and used VNIs
 * (likewise). */
void fs_snapshot_free_vni_lists(struct fs_snapshot *s);

/* Slice rules (model/slices.c), after the network rules and before the
 * port rules (a network rejected here takes its ports along): a slice's
 * networks exist and are valid; a network in two slices rejects the later
 * slice (create_revision, then key); a network with its own controller in
 * a slice rejects the later of the two documents; a rejected slice (a
 * rule, or 'bad_slices') holds the networks it names that no valid slice
 * has and that were created with it or after it: they are rejected too
 * (never switched without the slice meant for them), while a network that
 * ran before the slice came keeps running. */
void fs_check_slices(struct fs_build *);

/* Flowspace rules (model/flowspaces.c), after slices and ports: the slice
 * and match.in_port are valid; of two flowspaces of different slices at one
 * priority whose matches overlap (fs_flowspaces_overlap()), the later one
 * is rejected.  Flowspaces are compared pairwise within one priority only:
 * O(k^2) for k flowspaces at one priority, O(n log n) to group them. */
void fs_check_flowspaces(struct fs_build *);

/* Returns true if one packet can match both 'a' and 'b': every field both
 * give is compatible (equal MACs, VLAN, protocol, ports and in_port; the
 * same IP version; prefixes that share an address). */
bool fs_flowspaces_overlap(const struct fs_flowspace_match *a,
                           const struct fs_flowspace_match *b);

/* Sorts 'names' (and 'numbers' alongside, the same permutation) by name,
 * strcmp order. */
void fs_sort_named_numbers(char **names, uint32_t *numbers, size_t n);

/* Puts what the rules produce in hash order into a canonical one, so that
 * every way of building a snapshot gives the same: errors sorted
 * (fs_errors_sort()), orphan allocations sorted by id. */
void fs_snapshot_canonical_order(struct fs_snapshot *);

#endif /* model/build.h */
