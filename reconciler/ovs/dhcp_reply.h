/* reconciler/ovs/dhcp_reply.h: the local controller's DHCPv4 server, pure:
 * a request frame and the answer its flow carries (render/punt.h) in, the
 * reply frame out.  Unit-tested in tests/unit/test_dhcp_reply.c. */
#ifndef FS_RECONCILER_OVS_DHCP_REPLY_H
#define FS_RECONCILER_OVS_DHCP_REPLY_H 1

#include <stddef.h>

struct dp_packet;

/* Returns the reply (caller frees with dp_packet_delete()) to DHCP request
 * 'request' ('len' bytes: the Ethernet frame as the port sent it) with the
 * answer of 'userdata' ('ud_len' bytes: struct fs_punt_dhcp, then the
 * options to give), or NULL with '*why' saying why there is none (not a
 * DHCP request, a RELEASE or DECLINE, a REQUEST for another server, bad
 * userdata; a static string).  RFC 2131: DISCOVER -> OFFER; REQUEST ->
 * ACK when it asks for the port's address (option 50, else ciaddr), else
 * NAK; INFORM -> ACK without lease; the reply broadcast when the client
 * sets the broadcast flag (and for a NAK), else to its address. */
struct dp_packet *fs_dhcp_answer(const void *request, size_t len,
                                 const void *userdata, size_t ud_len,
                                 const char **why);

/* The DHCP message type (option 53) of request frame 'frame', 0 if it is
 * not a DHCP request; and its name ("DISCOVER"). */
int fs_dhcp_message_type(const void *frame, size_t len);
const char *fs_dhcp_type_name(int type);

#endif /* reconciler/ovs/dhcp_reply.h */
