/* reconciler/ovs/icmp_reply.h: the router's ICMP errors, pure: the packet
 * that could not go on and the answer its flow carries (render/punt.h) in,
 * the error frame out.  Unit-tested in tests/unit/test_dhcp_reply.c. */
#ifndef FS_RECONCILER_OVS_ICMP_REPLY_H
#define FS_RECONCILER_OVS_ICMP_REPLY_H 1

#include <stddef.h>

struct dp_packet;

/* Returns ICMP time exceeded (type 11, code 0; RFC 792) for IPv4 packet
 * 'frame' ('len' bytes, an Ethernet frame) from the router interface of
 * 'userdata' (struct fs_punt_ttl: its MAC and address) back to the
 * packet's sender, with the packet's IP header and first 8 bytes of data;
 * or NULL with '*why' (a static string): not IPv4, an ICMP error itself
 * (RFC 1122: never an error about an error), a fragment after the first,
 * bad userdata.  Caller frees with dp_packet_delete(). */
struct dp_packet *fs_icmp_time_exceeded(const void *frame, size_t len,
                                        const void *userdata, size_t ud_len,
                                        const char **why);

#endif /* reconciler/ovs/icmp_reply.h */
