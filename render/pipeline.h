/* render/pipeline.h: every table, register, cookie kind and OVSDB marker
 * of the integration bridge pipeline, in one place.  Each table is written
 * by one feature only (one file of render/); features hand off through
 * registers and goto_table, as faucet and Antrea do.  docs/architecture.md
 * has the flows of each table. */
#ifndef FS_RENDER_PIPELINE_H
#define FS_RENDER_PIPELINE_H 1

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Tables, and the feature (render/ file) that writes each. */
enum fs_table {
    FS_T_CLASSIFY = 0,      /* l2.c: in_port -> VIF (metadata, reg6) or
                             * provider patch port (to FS_T_PROVIDER_IN). */
    FS_T_PORT_SEC = 1,      /* portsec.c: a VIF sends only with its own MAC
                             * and IPs (Neutron port security). */
    FS_T_LOCAL = 2,         /* dhcp.c: a port's DHCP requests to
                             * flowsteerd's local controller (the answer
                             * in the flow's userdata); the rest of the
                             * port's traffic on to FS_T_SFC_CLASS. */
    FS_T_PROVIDER_IN = 3,   /* provider.c: VLAN id / untagged on a patch
                             * port -> metadata (pop the tag). */
    FS_T_TUNNEL_IN = 4,     /* overlay.c: from a tunnel, tun_id (VNI) ->
                             * metadata, on to FS_T_L2; MPLS (a chain's
                             * hop) to FS_T_SFC_REMOTE. */
    FS_T_SLICE = 5,         /* slices.c: a slice member's traffic into
                             * its slice bridge (source flowspace) and
                             * back out to it (destination flowspace). */
    FS_T_SFC_CLASS = 10,    /* sfc.c: flow classifiers, SF egress
                             * re-classification; default to FS_T_L2. */
    FS_T_SFC_FWD = 15,      /* sfc.c: (path id, hop index) -> next SF,
                             * here or through a tunnel. */
    FS_T_SFC_REMOTE = 16,   /* sfc.c: a hop's MPLS label from a tunnel ->
                             * pop the header, label to reg5. */
    FS_T_SFC_LOCAL = 17,    /* sfc.c: label -> the hop's pairs on this
                             * node only (never back into a tunnel). */
    FS_T_L3_ADMISSION = 20, /* router.c: ARP for router (and known port)
                             * addresses answered here; a frame to a
                             * router interface's MAC enters its router
                             * (FS_F_ROUTER); the rest on to FS_T_L2. */
    FS_T_IP_INPUT = 21,     /* router.c: martians dropped, ICMP echo to a
                             * router address answered, other traffic to
                             * one dropped, the rest on to FS_T_ROUTING. */
    FS_T_ROUTING = 22,      /* router.c: longest prefix of the destination
                             * -> dec_ttl, the out interface's MAC as
                             * source, its network, the next hop in
                             * FS_F_NEXTHOP. */
    FS_T_NEIGHBOR = 23,     /* router.c: (network, next hop) -> the
                             * destination MAC of the port with that IP,
                             * on to FS_T_L2; unknown: dropped. */
    FS_T_L2 = 55,           /* l2.c: metadata + dl_dst -> reg7; flooding;
                             * unknown unicast to the network's egress. */
    FS_T_FLOOD = 56,        /* l2.c: one chunk of a large network's flood
                             * (metadata + chunk number in FS_F_FLOOD_CHUNK). */
    FS_T_TUNNEL_FLOOD = 57, /* overlay.c: head-end replication of an
                             * overlay network's flood to every chassis
                             * with a port of it (not from a tunnel). */
    FS_T_EGRESS = 75,       /* l2.c: reg7 local port -> output; reg7 an
                             * uplink -> FS_T_PROVIDER_OUT. */
    FS_T_PROVIDER_OUT = 80  /* provider.c: push the network's VLAN tag,
                             * output to the patch port. */
};

/* Named fields: every register and mark the pipeline uses, and the only
 * place their registers are written down (render/ matches and sets them
 * through fs_match_field() and fs_set_field(), render/flow.h).  As
 * Dragonflow: the network key in metadata, the source and destination
 * port keys (for ports of this node, the OpenFlow port number) in reg6
 * and reg7, a chain's label in reg5 (SFC), the flood chunk number in reg4
 * (set by table FS_T_L2 just before each resubmit to FS_T_FLOOD; means
 * nothing elsewhere), and 1 in reg3 on packets that came in from a tunnel
 * (table FS_T_CLASSIFY sets it): split horizon, such a packet never goes
 * back into a tunnel (tables FS_T_EGRESS and FS_T_TUNNEL_FLOOD match it
 * 0); the router (L3, router.c) keeps the router key in reg2 and the
 * next hop's IPv4 address in reg1 (OVN's reg0).  A field is 'n_bits' bits of
 * OVS field 'mff' from bit 'ofs'. */
enum fs_field {
    FS_F_NETWORK,     /* Network key. */
    FS_F_SRC_PORT,    /* Source port key. */
    FS_F_DST_PORT,    /* Destination port key. */
    FS_F_LABEL,       /* Chain label: path id << 8 | hop index. */
    FS_F_FLOOD_CHUNK, /* Flood chunk number. */
    FS_F_FROM_TUNNEL, /* 1: came in from a tunnel. */
    FS_F_ROUTER,      /* Router key (tables FS_T_IP_INPUT, FS_T_ROUTING). */
    FS_F_NEXTHOP,     /* IPv4 next hop of a routed packet. */
    FS_N_FIELDS
};

struct fs_field_def {
    const char *name; /* For declarations and messages: "network". */
    int mff;          /* enum mf_field_id. */
    uint8_t ofs, n_bits;
};

#define FS_FIELD_DEFS                                                          \
    {                                                                          \
        [FS_F_NETWORK] = {"network", MFF_METADATA, 0, 64},                     \
        [FS_F_SRC_PORT] = {"src_port", MFF_REG6, 0, 32},                       \
        [FS_F_DST_PORT] = {"dst_port", MFF_REG7, 0, 32},                       \
        [FS_F_LABEL] = {"label", MFF_REG5, 0, 32},                             \
        [FS_F_FLOOD_CHUNK] = {"flood_chunk", MFF_REG4, 0, 32},                 \
        [FS_F_FROM_TUNNEL] = {"from_tunnel", MFF_REG3, 0, 32},                 \
        [FS_F_ROUTER] = {"router", MFF_REG2, 0, 32},                           \
        [FS_F_NEXTHOP] = {"nexthop", MFF_REG1, 0, 32},                         \
    }

/* The declared pipeline (render/pipeline.c), as faucet declares its
 * tables: for each table, its writer (the one feature file that renders
 * its flows), the fields its flows may match and set, and the tables its
 * flows may go to (goto_table, resubmit).  Field lists hold OVS field ids
 * (enum mf_field_id) and the named fields above; each ends with INT_MIN.
 * Every rendered flow is checked against it in the render tests and the
 * fuzzer (fs_pipeline_check()); docs/architecture.md's pipeline table is
 * tested against it. */
struct fs_table_decl {
    int table;          /* enum fs_table. */
    const char *name;   /* "classify", "port security"... */
    const char *writer; /* "l2.c". */
    const int *match, *set, *next;
};

/* Returns the declaration of 'table', or NULL if it is not one of the
 * pipeline's. */
const struct fs_table_decl *fs_pipeline_decl(int table);

/* Returns every declaration, in table order ('*n' of them). */
const struct fs_table_decl *fs_pipeline_decls(size_t *n);

/* Checks flow 'f' (struct fs_flow, render/flow.h) against its table's
 * declaration: returns NULL, or what breaks it, with the flow printed
 * (caller frees). */
struct fs_flow;
char *fs_pipeline_check(const struct fs_flow *f);

/* Priorities, named per table: FS_PRIO_<TABLE>_<WHAT>, in an enum per
 * feature file, beside the tables it writes. */

/* l2.c: tables FS_T_CLASSIFY, FS_T_L2, FS_T_FLOOD, FS_T_EGRESS. */
enum fs_l2_prio {
    FS_PRIO_CLASSIFY_IN_PORT = 100,  /* in_port: a VIF, uplink, tunnel,
                                      * slice member or slice uplink. */
    FS_PRIO_L2_UNICAST = 100,        /* network + dl_dst -> port key. */
    FS_PRIO_L2_REMOTE_UNICAST = 100, /* network + dl_dst of a port bound on
                                      * another chassis -> its tunnel. */
    FS_PRIO_L2_FLOOD = 90,           /* network + multicast dl_dst. */
    FS_PRIO_L2_UNKNOWN_UNICAST = 50, /* network -> its egress. */
    FS_PRIO_FLOOD_CHUNK = 100,       /* network + flood chunk. */
    FS_PRIO_EGRESS_PORT = 100,       /* destination port key. */
};

/* portsec.c: table FS_T_PORT_SEC. */
enum fs_portsec_prio {
    FS_PRIO_PORT_SEC_ALLOW = 100,  /* What a port may send. */
    FS_PRIO_PORT_SEC_DROP_L3 = 90, /* Other IPv4, ARP and IPv6: drop. */
    FS_PRIO_PORT_SEC_OTHER = 80,   /* Other ethertypes, allowed MAC. */
    FS_PRIO_PORT_SEC_DROP = 10,    /* Everything else the port sends. */
};

/* provider.c: tables FS_T_PROVIDER_IN, FS_T_PROVIDER_OUT. */
enum fs_provider_prio {
    FS_PRIO_PROVIDER_IN_NETWORK = 100,  /* Patch port + VLAN id/untagged. */
    FS_PRIO_PROVIDER_IN_DROP = 10,      /* Patch port: anything else. */
    FS_PRIO_PROVIDER_OUT_NETWORK = 100, /* Network + patch port key. */
};

/* sfc.c: tables FS_T_SFC_CLASS, FS_T_SFC_FWD, FS_T_SFC_REMOTE,
 * FS_T_SFC_LOCAL. */
enum {
    FS_PRIO_SFC_CLASS_DEFAULT = 0,  /* No chain flow matched: on to L2. */
    FS_PRIO_SFC_CLASS_SF_DROP = 10, /* An SF port's other traffic. */
    FS_PRIO_SFC_CLASS_CHAIN = 100,  /* A classifier on a chain's entry or
                                     * an SF's egress; an MPLS SF's label
                                     * back. */
    FS_PRIO_SFC_FWD_HOP = 100,      /* A hop's label -> its pairs. */
    FS_PRIO_SFC_REMOTE_HOP = 100,   /* A hop's MPLS label from a tunnel. */
    FS_PRIO_SFC_LOCAL_HOP = 100,    /* A hop's label -> its pairs here. */
};

/* overlay.c: tables FS_T_TUNNEL_IN, FS_T_TUNNEL_FLOOD. */
enum {
    FS_PRIO_TUNNEL_IN_MPLS = 110,        /* A chain's MPLS hop from a
                                          * tunnel: to FS_T_SFC_REMOTE. */
    FS_PRIO_TUNNEL_IN_VNI = 100,         /* An overlay network's VNI ->
                                          * metadata, to FS_T_L2. */
    FS_PRIO_TUNNEL_FLOOD_REPLICATE = 100 /* A flood not from a tunnel: into
                                          * each tunnel of the network. */
};

/* slices.c: table FS_T_SLICE. */
enum {
    FS_PRIO_SLICE_FLOWSPACE = 100, /* What a flowspace lets into the slice
                                    * and back out to the member. */
    FS_PRIO_SLICE_DROP = 10        /* The rest of a member's (or its
                                    * patch's) traffic: dropped. */
};

/* dhcp.c: table FS_T_LOCAL. */
enum {
    FS_PRIO_LOCAL_DHCP = 100, /* A port's UDP 68 -> 67: to the controller. */
    FS_PRIO_LOCAL_PORT = 10,  /* The rest of the port's: FS_T_SFC_CLASS. */
};

/* router.c: tables FS_T_L3_ADMISSION, FS_T_IP_INPUT, FS_T_ROUTING,
 * FS_T_NEIGHBOR.  A route's priority is FS_PRIO_ROUTING_PREFIX + 2 x its
 * prefix length, + 1 for a connected subnet: the longest prefix wins,
 * and a connected subnet beats an extra route of the same length. */
enum {
    FS_PRIO_L3_ADMISSION_UPLINK = 300,   /* From a provider uplink: never
                                          * answered nor routed here. */
    FS_PRIO_L3_ADMISSION_ARP = 200,      /* ARP for a router address. */
    FS_PRIO_L3_ADMISSION_ARP_PASS = 195, /* Gratuitous ARP, DAD probes. */
    FS_PRIO_L3_ADMISSION_ARP_PORT = 190, /* Broadcast ARP for a port's
                                          * fixed IP (port security). */
    FS_PRIO_L3_ADMISSION_ROUTER = 100,   /* Network + router MAC. */
    FS_PRIO_L3_ADMISSION_DEFAULT = 0,    /* On to FS_T_L2. */
    FS_PRIO_IP_INPUT_MARTIAN = 300,      /* Multicast, broadcast, 127/8,
                                          * 0/8 destinations. */
    FS_PRIO_IP_INPUT_ECHO = 200,         /* ICMP echo to a router IP. */
    FS_PRIO_IP_INPUT_DROP = 150,         /* Other traffic to one. */
    FS_PRIO_IP_INPUT_TTL = 140,          /* Router + ingress network +
                                          * TTL 1: ICMP time exceeded. */
    FS_PRIO_IP_INPUT_ROUTE = 100,        /* Router + IPv4: route it. */
    FS_PRIO_ROUTING_PREFIX = 1000,       /* + 2 x length (+ 1). */
    FS_PRIO_ROUTING_NONE = 0,            /* No route: dropped. */
    FS_PRIO_NEIGHBOR_PORT = 100,         /* Network + a port's IP. */
};

/* The definition of 'field' (render/flow.c). */
const struct fs_field_def *fs_field_def(enum fs_field field);

/* Local ports per flood flow.  A network's flood outputs to its local
 * ports directly (output:N, 16 bytes of OpenFlow 1.5 each); with more than
 * FS_FLOOD_CHUNK of them, its table FS_T_L2 flood flow instead resubmits,
 * one after the other, to one FS_T_FLOOD flow per chunk of FS_FLOOD_CHUNK
 * ports in port id order (32 bytes and one of OVS's 4096 resubmits per
 * packet each).  256 keeps every flood flow near 4 KiB, far below
 * OpenFlow's 64 KiB per message, and what a port added or removed
 * rewrites small (the chunks from its position on). */
#define FS_FLOOD_CHUNK 256

/* High 16 bits of every flowsteer flow cookie; dumps and deletes use
 * FS_COOKIE_MASK so that other software's flows are never touched. */
#define FS_COOKIE_BASE UINT64_C(0xf5e0000000000000)
#define FS_COOKIE_MASK UINT64_C(0xffff000000000000)

/* Cookie kinds (bits 32..47): what a flow is for.  The object (bits 0..31)
 * is the network key for L2, PORT_SEC and PROVIDER flows of one network (0
 * for flows of no one network), the path id for SFC flows. */
#define FS_COOKIE_L2 UINT64_C(1)
#define FS_COOKIE_SFC UINT64_C(2)
#define FS_COOKIE_PROVIDER UINT64_C(3)
#define FS_COOKIE_PORT_SEC UINT64_C(4)
#define FS_COOKIE_OVERLAY UINT64_C(5)
#define FS_COOKIE_SLICE UINT64_C(6)
/* Router flows (router.c): the object is the router key (FS_F_ROUTER),
 * or for a network's table FS_T_L3_ADMISSION port ARP and FS_T_NEIGHBOR
 * flows (FS_COOKIE_NEIGHBOR) the network key. */
#define FS_COOKIE_ROUTER UINT64_C(7)
#define FS_COOKIE_NEIGHBOR UINT64_C(8)
/* DHCP flows (dhcp.c): the object is the port's network key. */
#define FS_COOKIE_DHCP UINT64_C(9)
#define FS_COOKIE(KIND, OBJ)                                                   \
    (FS_COOKIE_BASE | ((uint64_t)(KIND) << 32) | (uint32_t)(OBJ))

/* Group ids flowsteer owns: FS_GROUP_BASE | label (table FS_T_SFC_FWD:
 * every pair of a hop, here or through tunnels) and FS_GROUP_BASE |
 * FS_GROUP_LOCAL | label (table FS_T_SFC_LOCAL: the hop's pairs on this
 * node), label < 2^20.  Groups outside [FS_GROUP_BASE, FS_GROUP_BASE +
 * FS_GROUP_SPAN) are never read as ours or deleted. */
#define FS_GROUP_BASE UINT32_C(0xf5000000)
#define FS_GROUP_LOCAL UINT32_C(0x00100000)
#define FS_GROUP_SPAN UINT32_C(0x00200000)

/* OVSDB ownership: every Bridge, Port and Interface row flowsteer creates
 * carries external_ids:flowsteer-owner=<what it is for> (e.g.
 * "provider:physnet1").  Only rows with this key are ever modified or
 * deleted; a row without it is never touched, even if its name is one
 * flowsteer wants (that is an error in status, not a takeover). */
#define FS_OWNER_KEY "flowsteer-owner"

/* Provider patch ports: FS_PATCH_INT_PREFIX + physnet on the integration
 * bridge, FS_PATCH_PHYS_PREFIX + physnet on the provider bridge, when the
 * physnet is at most 11 characters of [A-Za-z0-9_.-]; otherwise the prefix
 * + 8 hex digits of a hash of the physnet.  At most 15 characters (the
 * Linux interface name limit, IFNAMSIZ - 1). */
#define FS_PATCH_INT_PREFIX "fsi-"
#define FS_PATCH_PHYS_PREFIX "fsp-"
#define FS_PORT_NAME_MAX 15

/* Tunnel ports on the integration bridge: FS_TUNNEL_PREFIX + the remote
 * chassis' name (a remote device's VTEP: its IP), or + 8 hex digits of its
 * hash, as patch ports; external_ids FS_OWNER_KEY=tunnel:<chassis>. */
#define FS_TUNNEL_PREFIX "fst-"

/* Slices (render/slices.c): a slice bridge FS_SLICE_BRIDGE_PREFIX + the
 * slice id (FS_NET_BRIDGE_PREFIX + the network id for a network with its
 * own controller); per member port a patch pair FS_MEMBER_INT_PREFIX +
 * port (integration bridge) <-> FS_MEMBER_PREFIX + port (slice bridge,
 * with external_ids:iface-id = the Neutron port id), "port" being its
 * Neutron name when that fits and is free, else its id; per network of
 * the slice present here an uplink pair FS_UPLINK_INT_PREFIX + network <->
 * FS_UPLINK_PREFIX + network.  An id fits as patch ports' physnets do (at
 * most 11 characters of [A-Za-z0-9_.-] after the prefix), else 8 hex
 * digits of its hash.  external_ids FS_OWNER_KEY=slice:<slice id>
 * (network:<id> for a network's own). */
#define FS_SLICE_BRIDGE_PREFIX "fss-"
#define FS_NET_BRIDGE_PREFIX "fsn-"
#define FS_MEMBER_INT_PREFIX "fsm-"
#define FS_MEMBER_PREFIX "fsv-"
#define FS_UPLINK_INT_PREFIX "fsu-"
#define FS_UPLINK_PREFIX "fsw-"

#endif /* render/pipeline.h */
