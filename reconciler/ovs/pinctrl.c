/* The local controller (reconciler/ovs/pinctrl.h): a thread of its own
 * with a second OpenFlow connection to the integration bridge, as
 * ovn-controller's pinctrl.  See docs/architecture.md, "Local
 * controller". */
#include "reconciler/ovs/pinctrl.h"

#include <string.h>

#include "dp-packet.h"
#include "latch.h"
#include "openvswitch/hmap.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/token-bucket.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "socket-util.h" /* DSCP_DEFAULT */
#include "ovs-thread.h"
#include "reconciler/ovs/dhcp_reply.h"
#include "reconciler/ovs/icmp_reply.h"
#include "render/punt.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pinctrl);

/* A port's own budget of answers, after the bridge-wide meter
 * (FS_PUNT_METER): FS_PINCTRL_PORT_RATE packets per second, bursts of
 * FS_PINCTRL_PORT_BURST, so that one port's flood cannot take the others'
 * share.  OVS token buckets count tokens per millisecond: 1,000 tokens a
 * packet. */
#define TOKENS 1000

struct port_budget {
    struct hmap_node node; /* In struct fs_pinctrl's 'budgets', by ofport. */
    uint32_t ofport;
    struct token_bucket tb;
};

struct fs_pinctrl {
    char *target;
    pthread_t thread;
    struct latch exit;
    struct hmap budgets; /* Only the thread touches it. */
    atomic_uint64_t counters[FS_PINCTRL_N_COUNTERS];
};

static void count(struct fs_pinctrl *pc, enum fs_pinctrl_counter c)
{
    uint64_t orig;
    atomic_add_relaxed(&pc->counters[c], 1, &orig);
}

/* What every new connection is told: packet-ins as NXT_PACKET_IN2 (which
 * carry the controller action's userdata), and a nonzero miss_send_len
 * (a service connection gets no packet-in without one; flowsteer's flows
 * send whole packets anyway). */
static void setup(struct rconn *rc)
{
    struct ofputil_switch_config sc = {
        .frag = OFPUTIL_FRAG_NORMAL,
        .invalid_ttl_to_controller = -1,
        .miss_send_len = UINT16_MAX,
    };
    rconn_send(rc, ofputil_encode_set_config(&sc, OFP15_VERSION), NULL);
    rconn_send(rc,
               ofputil_encode_set_packet_in_format(OFP15_VERSION,
                                                   OFPUTIL_PACKET_IN_NXT2),
               NULL);
}

/* Whether port 'ofport' may be answered once more now. */
static bool budget_allows(struct fs_pinctrl *pc, uint32_t ofport)
{
    struct port_budget *b;
    HMAP_FOR_EACH_WITH_HASH(b, node, hash_int(ofport, 0), &pc->budgets)
    {
        if (b->ofport == ofport) {
            return token_bucket_withdraw(&b->tb, TOKENS);
        }
    }
    b = xzalloc(sizeof *b);
    b->ofport = ofport;
    token_bucket_init(&b->tb, FS_PINCTRL_PORT_RATE,
                      FS_PINCTRL_PORT_BURST * TOKENS);
    hmap_insert(&pc->budgets, &b->node, hash_int(ofport, 0));
    return token_bucket_withdraw(&b->tb, TOKENS);
}

/* Sends 'reply' (freed here) out of 'ofport'. */
static void packet_out(struct rconn *rc, struct dp_packet *reply,
                       ofp_port_t ofport)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ofpact_put_OUTPUT(&ofpacts)->port = ofport;
    struct ofputil_packet_out po = {
        .packet = dp_packet_data(reply),
        .packet_len = dp_packet_size(reply),
        .buffer_id = UINT32_MAX,
        .ofpacts = ofpacts.data,
        .ofpacts_len = ofpacts.size,
    };
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, OFPP_CONTROLLER);
    rconn_send(rc, ofputil_encode_packet_out(&po, OFPUTIL_P_OF15_OXM), NULL);
    ofpbuf_uninit(&ofpacts);
    dp_packet_delete(reply);
}

/* A DHCP request from 'ofport', answered from 'ud'. */
static void dhcp(struct fs_pinctrl *pc, struct rconn *rc,
                 const struct ofputil_packet_in *pin, ofp_port_t ofport)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    const char *why;
    struct dp_packet *reply = fs_dhcp_answer(
        pin->packet, pin->packet_len, pin->userdata, pin->userdata_len, &why);
    int type = fs_dhcp_message_type(pin->packet, pin->packet_len);
    if (!reply) {
        VLOG_DBG_RL(&rl, "DHCP %s from port %" PRIu32 ": no answer (%s)",
                    fs_dhcp_type_name(type), ofp_to_u16(ofport), why);
        count(pc, FS_PINCTRL_UNANSWERED);
        return;
    }
    VLOG_DBG_RL(&rl, "DHCP %s from port %" PRIu32 ": answered",
                fs_dhcp_type_name(type), ofp_to_u16(ofport));
    count(pc, FS_PINCTRL_DHCP);
    packet_out(rc, reply, ofport);
}

/* A routed packet whose TTL ran out, from 'ofport': ICMP time exceeded
 * from the router interface of its flow. */
static void ttl_exceeded(struct fs_pinctrl *pc, struct rconn *rc,
                         const struct ofputil_packet_in *pin, ofp_port_t ofport)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 20);
    const char *why;
    struct dp_packet *reply = fs_icmp_time_exceeded(
        pin->packet, pin->packet_len, pin->userdata, pin->userdata_len, &why);
    if (!reply) {
        VLOG_DBG_RL(&rl, "TTL exceeded from port %" PRIu16 ": no answer (%s)",
                    ofp_to_u16(ofport), why);
        count(pc, FS_PINCTRL_UNANSWERED);
        return;
    }
    count(pc, FS_PINCTRL_ICMP);
    packet_out(rc, reply, ofport);
}

static void packet_in(struct fs_pinctrl *pc, struct rconn *rc,
                      const struct ofp_header *oh)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct ofputil_packet_in pin;
    size_t total_len;
    uint32_t buffer_id;
    enum ofperr error = ofputil_decode_packet_in(oh, true, NULL, NULL, &pin,
                                                 &total_len, &buffer_id, NULL);
    count(pc, FS_PINCTRL_PACKET_INS);
    if (error || !pin.userdata_len) {
        VLOG_WARN_RL(&rl, "a packet-in flowsteer cannot read: %s",
                     error ? ofperr_to_string(error) : "no userdata");
        count(pc, FS_PINCTRL_UNANSWERED);
        return;
    }
    ofp_port_t ofport = pin.flow_metadata.flow.in_port.ofp_port;
    if (!budget_allows(pc, ofp_to_u16(ofport))) {
        count(pc, FS_PINCTRL_LIMITED);
        return;
    }
    const uint8_t *ud = pin.userdata;
    if (ud[0] == FS_PUNT_DHCP) {
        dhcp(pc, rc, &pin, ofport);
    } else if (ud[0] == FS_PUNT_TTL) {
        ttl_exceeded(pc, rc, &pin, ofport);
    } else {
        count(pc, FS_PINCTRL_UNANSWERED);
    }
}

static void *pinctrl_main(void *pc_)
{
    struct fs_pinctrl *pc = pc_;
    struct rconn *rc = rconn_create(5, 8, DSCP_DEFAULT, 1u << OFP15_VERSION);
    rconn_connect(rc, pc->target, NULL);
    unsigned int seqno = 0;
    while (!latch_is_set(&pc->exit)) {
        rconn_run(rc);
        if (rconn_is_connected(rc) && seqno != rconn_get_connection_seqno(rc)) {
            seqno = rconn_get_connection_seqno(rc);
            VLOG_INFO("local controller connected to %s", pc->target);
            setup(rc);
        }
        for (int i = 0; i < 64; i++) {
            struct ofpbuf *msg = rconn_recv(rc);
            if (!msg) {
                break;
            }
            enum ofptype type;
            const struct ofp_header *oh = msg->data;
            if (!ofptype_decode(&type, oh) && type == OFPTYPE_PACKET_IN) {
                packet_in(pc, rc, oh);
            }
            ofpbuf_delete(msg);
        }
        rconn_run_wait(rc);
        rconn_recv_wait(rc);
        latch_wait(&pc->exit);
        poll_block();
    }
    rconn_destroy(rc);
    return NULL;
}

struct fs_pinctrl *fs_pinctrl_start(const char *target)
{
    struct fs_pinctrl *pc = xzalloc(sizeof *pc);
    pc->target = xstrdup(target);
    latch_init(&pc->exit);
    hmap_init(&pc->budgets);
    for (int i = 0; i < FS_PINCTRL_N_COUNTERS; i++) {
        atomic_init(&pc->counters[i], 0);
    }
    pc->thread = ovs_thread_create("pinctrl", pinctrl_main, pc);
    return pc;
}

void fs_pinctrl_stop(struct fs_pinctrl *pc)
{
    if (!pc) {
        return;
    }
    latch_set(&pc->exit);
    xpthread_join(pc->thread, NULL);
    struct port_budget *b;
    HMAP_FOR_EACH_POP(b, node, &pc->budgets)
    {
        free(b);
    }
    hmap_destroy(&pc->budgets);
    latch_destroy(&pc->exit);
    free(pc->target);
    free(pc);
}

uint64_t fs_pinctrl_counter(const struct fs_pinctrl *pc,
                            enum fs_pinctrl_counter c)
{
    uint64_t v;
    atomic_read_relaxed(&CONST_CAST(struct fs_pinctrl *, pc)->counters[c], &v);
    return v;
}
