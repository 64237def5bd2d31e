/* reconciler/ovs/pinctrl.h: flowsteerd's local controller, the answers
 * flows cannot give (DHCP, the router's ICMP time exceeded), on a thread of its
 * own with a second OpenFlow connection to the integration bridge: a service
 * connection to the bridge's management socket, the OVS thread's target, as
 * ovn-controller's pinctrl (no Controller row: nothing changes on the bridge).
 * It asks for packet-ins (NXT_PACKET_IN2) and answers those of flowsteer's
 * controller actions from their userdata (render/punt.h) with packet-outs; so
 * it keeps no state and never touches the OVS thread's connection, nor delays
 * an apply.  Bounded: the bridge-wide meter FS_PUNT_METER (the OVS thread adds
 * it), then FS_PINCTRL_PORT_RATE answers a second per port (OVS's token
 * bucket), what is over either dropped and counted.  The connection is rconn's:
 * reconnects with backoff up to 8 s, an inactivity probe of 5 s. */
#ifndef FS_RECONCILER_OVS_PINCTRL_H
#define FS_RECONCILER_OVS_PINCTRL_H 1

#include <stdint.h>

/* Answers per second per port, and the burst (packets). */
#define FS_PINCTRL_PORT_RATE 20
#define FS_PINCTRL_PORT_BURST 40

enum fs_pinctrl_counter {
    FS_PINCTRL_PACKET_INS, /* Received. */
    FS_PINCTRL_DHCP,       /* DHCP replies sent. */
    FS_PINCTRL_ICMP,       /* ICMP errors sent (time exceeded). */
    FS_PINCTRL_LIMITED,    /* Over a port's budget: dropped. */
    FS_PINCTRL_UNANSWERED, /* Nothing to answer (RELEASE, not ours...). */
    FS_PINCTRL_N_COUNTERS  /* As many as struct fs_ovs_counters' 'punt'. */
};

struct fs_pinctrl;

/* Starts the local controller on OpenFlow target 'target' (copied). */
struct fs_pinctrl *fs_pinctrl_start(const char *target);

/* Stops and frees it (NULL is fine). */
void fs_pinctrl_stop(struct fs_pinctrl *);

/* Counter 'c' so far (any thread). */
uint64_t fs_pinctrl_counter(const struct fs_pinctrl *,
                            enum fs_pinctrl_counter c);

#endif /* reconciler/ovs/pinctrl.h */
