/* render/punt.h: what render/'s flows send to flowsteerd's local
 * controller (reconciler/ovs/pinctrl.c), as OVN's flows send packets to
 * pinctrl with controller(userdata=...): the userdata says what to answer,
 * so the controller keeps no state of its own and answers from the flow
 * that sent the packet (docs/architecture.md, "Local controller").
 *
 * Every userdata starts with one byte, its kind, then a version byte (1);
 * numbers are in network byte order. */
#ifndef FS_RENDER_PUNT_H
#define FS_RENDER_PUNT_H 1

#include <stdint.h>

/* Meters of the controller actions flowsteer installs, one per port
 * (OpenFlow meter id FS_PUNT_METER(ofport) of the port whose packets the
 * flow sends): each bounds what one port can make the switch send to the
 * local controller, FS_PUNT_RATE packets per second, bursts of
 * FS_PUNT_BURST, so that a port flooding requests uses up its own meter
 * and no other port's (the OVS thread adds each meter before the first
 * flow that uses it).  Meter ids in [FS_PUNT_METER_BASE,
 * FS_PUNT_METER_BASE + 0x10000) are flowsteer's. */
#define FS_PUNT_METER_BASE UINT32_C(0xf5000000)
#define FS_PUNT_METER(OFPORT) (FS_PUNT_METER_BASE | (uint16_t)(OFPORT))
#define FS_PUNT_RATE 20
#define FS_PUNT_BURST 40

/* The meter number (in place of an ofport) of the router's ICMP errors,
 * one for the whole node: FS_PUNT_METER(FS_PUNT_ERRORS). */
#define FS_PUNT_ERRORS 0xfffe

enum fs_punt_kind {
    /* A DHCPv4 request of a port: layout struct fs_punt_dhcp, then the
     * reply's options (RFC 2132 TLVs: subnet mask, router, DNS servers,
     * domain name, MTU, classless static routes), copied into every
     * OFFER and ACK as they are. */
    FS_PUNT_DHCP = 1,
    /* A routed IPv4 packet whose TTL would reach 0: layout struct
     * fs_punt_ttl; the answer is ICMP time exceeded (type 11, code 0). */
    FS_PUNT_TTL = 2,
};

#define FS_PUNT_VERSION 1

/* Lease time of a DHCP answer without --dhcp-lease-time, seconds. */
#define FS_DHCP_LEASE_DEFAULT 86400

struct fs_punt_dhcp {
    uint8_t kind, version;
    uint8_t server_mac[6]; /* Source MAC of the replies. */
    uint32_t yiaddr;       /* The port's address ("your" address). */
    uint32_t server_id;    /* Option 54 and the replies' source. */
    uint32_t lease;        /* Option 51, seconds. */
} __attribute__((packed));

struct fs_punt_ttl {
    uint8_t kind, version;
    uint8_t mac[6]; /* The ingress router interface's MAC. */
    uint32_t ip;    /* Its address: the source of the error. */
} __attribute__((packed));

#endif /* render/punt.h */
