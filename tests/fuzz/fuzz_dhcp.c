/* libFuzzer target: the local controller's DHCP server and ICMP errors
 * (reconciler/ovs/dhcp_reply.c, icmp_reply.c) on arbitrary packet-ins.
 *
 * Input: [n][n bytes of userdata][the rest: the frame].  A reply, when
 * there is one, must parse again as UDP 67 -> 68 with a DHCP reply
 * inside; everything is freed (a leak is a finding). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "flow.h"
#include "packets.h"
#include "reconciler/ovs/dhcp_reply.h"
#include "reconciler/ovs/icmp_reply.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size || data[0] > size - 1) {
        return 0;
    }
    size_t n = data[0];
    /* Copies, so that ASan sees reads past either end. */
    uint8_t *ud = xmemdup(data + 1, n);
    size_t len = size - 1 - n;
    uint8_t *frame = xmemdup(data + 1 + n, len);
    const char *why;
    struct dp_packet *p = fs_dhcp_answer(frame, len, ud, n, &why);
    fs_dhcp_message_type(frame, len);
    if (p) {
        struct flow flow;
        flow_extract(p, &flow);
        if (flow.tp_src != htons(67) || flow.tp_dst != htons(68)) {
            abort();
        }
        dp_packet_delete(p);
    } else if (!why) {
        abort();
    }
    p = fs_icmp_time_exceeded(frame, len, ud, n, &why);
    if (p) {
        struct flow flow;
        flow_extract(p, &flow);
        if (flow.nw_proto != IPPROTO_ICMP || flow.tp_src != htons(11)) {
            abort();
        }
        dp_packet_delete(p);
    } else if (!why) {
        abort();
    }
    free(ud);
    free(frame);
    return 0;
}
