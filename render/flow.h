/* render/flow.h: one OpenFlow flow as render/ produces it and the OVS
 * thread installs it: libopenvswitch's own types (a minimatch and an
 * ofpacts buffer), never text.  Flows are made with a builder
 * (struct fs_fb): a struct match and an ofpbuf of actions filled by the
 * small functions below, named for what they do, with every register the
 * pipeline uses a named field of render/pipeline.h (enum fs_field).  Text
 * exists only as a printer (OVS's match_format() and ofpacts_format()),
 * for plan, trace, logs, notes and tests, and as a parser of ovs-ofctl
 * text for tests. */
#ifndef FS_RENDER_FLOW_H
#define FS_RENDER_FLOW_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/match.h"
#include "openvswitch/ofpbuf.h"
#include "render/pipeline.h"

struct ds;
struct eth_addr;
struct ofpact;

/* One flow.  'match' excludes table and priority; 'ofpacts' (owned, NULL
 * when 'ofpacts_len' is 0: drop) are OpenFlow 1.5 actions as
 * libopenvswitch holds them.  The key of a flow is (table_id, priority,
 * match): the switch holds at most one flow per key. */
struct fs_flow {
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    struct minimatch match;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
};

/* Frees what 'f' owns (not 'f'); a zeroed flow is fine. */
void fs_flow_destroy(struct fs_flow *f);

/* 'dst' becomes a copy of 'src' (its own match and actions). */
void fs_flow_clone(struct fs_flow *dst, const struct fs_flow *src);

/* 'dst' becomes a copy of 'src''s key (table, priority, match); no cookie,
 * no actions. */
void fs_flow_clone_key(struct fs_flow *dst, const struct fs_flow *src);

/* Hash and equality of flow keys (table, priority, match). */
uint32_t fs_flow_key_hash(const struct fs_flow *f);
bool fs_flow_key_equal(const struct fs_flow *a, const struct fs_flow *b);

/* Returns true if 'a' and 'b' have the same key, cookie and actions. */
bool fs_flow_equal(const struct fs_flow *a, const struct fs_flow *b);

/* Orders flows by table, priority descending, then match (its bytes:
 * a fixed order, not the text's): qsort() style. */
int fs_flow_compare(const void *a, const void *b);

/* Appends the match as ovs-ofctl(8) prints it (match_format(); "" for a
 * match of everything) / the actions ("drop" for none). */
void fs_flow_format_match(const struct fs_flow *f, struct ds *s);
void fs_flow_format_actions(const struct fs_flow *f, struct ds *s);

/* Returns "table=T,priority=P,cookie=0xC,MATCH,actions=A", which
 * ovs-ofctl add-flow accepts.  Caller frees. */
char *fs_flow_to_string(const struct fs_flow *f);

/* Parses ovs-ofctl add-flow text (table, priority, cookie, match,
 * actions) into 'f' (for tests and tools; render/ builds flows with
 * struct fs_fb).  Returns NULL, or an error message (caller frees; 'f' is
 * then zeroed). */
char *fs_flow_parse(struct fs_flow *f, const char *text);

/* Zeroes the bytes that libopenvswitch's parser and decoder leave unset
 * after each set_field's value and mask (padded to OFPACT_ALIGNTO), in
 * 'len' bytes of actions at 'ofpacts' (clone()'s nested ones included), so
 * that actions of one meaning compare equal byte for byte
 * (ofpacts_equal()). */
void fs_ofpacts_zero_padding(struct ofpact *ofpacts, size_t len);

/* A flow under construction.  Initialize with fs_fb_init(), fill with the
 * functions below (matches in any order; actions in the order they run),
 * then fs_fb_finish() moves it into a struct fs_flow.  Lives on the
 * stack: no allocation until actions pass its 1 KiB stub. */
struct fs_fb {
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    struct match match;
    struct ofpbuf ofpacts;
    uint64_t stub[1024 / 8];
};

/* Starts flow ('table', 'priority', 'cookie') matching everything, with
 * no actions. */
void fs_fb_init(struct fs_fb *b, enum fs_table table, uint16_t priority,
                uint64_t cookie);

/* Moves 'b''s flow into 'f' (which owns it afterwards); 'b' is freed. */
void fs_fb_finish(struct fs_fb *b, struct fs_flow *f);

/* Frees 'b' without making a flow. */
void fs_fb_uninit(struct fs_fb *b);

/* Matches. */
void fs_match_field(struct fs_fb *b, enum fs_field field, uint64_t value);
void fs_match_in_port(struct fs_fb *b, uint32_t ofport);
void fs_match_dl_type(struct fs_fb *b, uint16_t eth_type);
void fs_match_dl_src(struct fs_fb *b, struct eth_addr mac);
void fs_match_dl_dst(struct fs_fb *b, struct eth_addr mac);
void fs_match_dl_dst_masked(struct fs_fb *b, struct eth_addr mac,
                            struct eth_addr mask);
void fs_match_tun_id(struct fs_fb *b, uint64_t vni);

/* Actions.  fs_set_field() writes 'value' into named field 'field' (only
 * its bits: set_field with a mask when it is part of a register). */
void fs_set_field(struct fs_fb *b, enum fs_field field, uint64_t value);
void fs_to_port(struct fs_fb *b, uint32_t ofport);
void fs_goto(struct fs_fb *b, enum fs_table table);
void fs_resubmit(struct fs_fb *b, enum fs_table table);
void fs_to_group(struct fs_fb *b, uint32_t group_id);
void fs_set_tun_id(struct fs_fb *b, uint64_t vni);

/* Any OVS field by its enum mf_field_id ('mff'; at most 64 bits, a MAC
 * as its 48 bits): matched
 * with 'mask' (UINT64_MAX: exactly), or set to 'value' (set_field), both
 * in host byte order.  For the pipeline's own registers use the named
 * fields above.  Never OVS's match_set_*() on b->match: these also mark
 * the match as one of Ethernet packets where ovs-ofctl's parser does, so
 * that a built flow equals the parsed one and the one the switch
 * reports. */
void fs_match_mf(struct fs_fb *b, int mff, uint64_t value, uint64_t mask);
void fs_set_mf(struct fs_fb *b, int mff, uint64_t value);

/* Matches any OVS field, of any size (an IPv6 address), by its value and
 * mask in network byte order. */
union mf_value;
void fs_match_mf_value(struct fs_fb *b, int mff, const union mf_value *value,
                       const union mf_value *mask);

/* Matches IPv6 field 'mff' (MFF_IPV6_SRC...) with 'addr'/'mask'. */
struct in6_addr;
void fs_match_ipv6(struct fs_fb *b, int mff, const struct in6_addr *addr,
                   const struct in6_addr *mask);

/* Parses prefix 'text' ("addr" or "addr/len"; IPv6 if 'v6') with OVS's
 * ip_parse_masked() / ipv6_parse_masked() and matches field 'mff' with
 * it.  Returns NULL, or why it does not parse (caller frees; nothing is
 * matched then). */
char *fs_match_prefix(struct fs_fb *b, int mff, bool v6, const char *text);

/* VLAN and MPLS headers: push_vlan (802.1Q), pop_vlan; push_mpls and
 * pop_mpls with the ethertype pushed (0x8847) or left (0x0800, 0x86dd). */
void fs_push_vlan(struct fs_fb *b);
void fs_pop_vlan(struct fs_fb *b);
void fs_push_mpls(struct fs_fb *b, uint16_t ethertype);
void fs_pop_mpls(struct fs_fb *b, uint16_t ethertype);

/* Moves and the stack, for answers built from the packet itself (an
 * ARP reply, an ICMP echo reply): fs_move_mf() copies all of OVS field
 * 'src' into 'dst' (of one width), fs_move_to_field() into named field
 * 'dst' (as wide); fs_push_mf() and fs_pop_mf() push field 'mff' onto
 * OVS's stack and pop the top into it (ovs-actions(7), "push", "pop"). */
void fs_move_mf(struct fs_fb *b, int src, int dst);
void fs_move_to_field(struct fs_fb *b, int src, enum fs_field dst);
void fs_push_mf(struct fs_fb *b, int mff);
void fs_pop_mf(struct fs_fb *b, int mff);

/* dec_ttl (no controller ids: a packet whose TTL runs out is dropped,
 * or sent to a controller that asked for invalid-TTL packet-ins), and
 * output to the packet's own in_port (IN_PORT). */
void fs_dec_ttl(struct fs_fb *b);
void fs_to_in_port(struct fs_fb *b);

/* controller(userdata=..., meter_id=...): the packet to the switch's
 * controllers with 'len' bytes of 'userdata' (reason action, all of the
 * packet), through meter 'meter_id', as ovs-ofctl parses it. */
void fs_controller(struct fs_fb *b, const void *userdata, size_t len,
                   uint32_t meter_id);

/* clone(...): the actions added between fs_clone_begin() and
 * fs_clone_end() (given what begin returned) run on a copy of the
 * packet. */
size_t fs_clone_begin(struct fs_fb *b);
void fs_clone_end(struct fs_fb *b, size_t begin);

#endif /* render/flow.h */
