/* The network stack linked into a networking program: Ethernet, ARP, IPv4, ICMP echo, UDP sockets, counters. */
#ifndef CAIRN_USER_NET_H
#define CAIRN_USER_NET_H

#include <stddef.h>
#include <stdint.h>

/*
 * The whole stack is one struct net in the program's own memory: the ARP
 * cache, the sockets with their queued datagrams, the counters. It persists
 * with the process like any variable, so a program resumed after a power cut
 * goes on with the same neighbours and sockets; what it loses is what any
 * network may lose, frames in flight. The code is portable C with no system
 * call in it: it reaches the wire only through a struct net_link (a NIC
 * capability in a Cairn program, a list of crafted frames in the host unit
 * tests), and reads time only through the link's clock.
 *
 * Addresses are host-order numbers (10.0.2.15 is NET_IP(10, 0, 2, 15)), ports
 * host-order too; the stack converts at the wire. Deadlines are monotonic
 * nanoseconds, with NET_NO_WAIT (0) and NET_FOREVER as for the NIC calls.
 */
#define NET_IP(a, b, c, d) \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define NET_NO_WAIT 0ull
#define NET_FOREVER (~0ull)

enum {
    NET_MAC_BYTES = 6,
    NET_ETHER_HEADER = 14,
    NET_FRAME_MAX = 1514,           /* Ethernet header and 1500 bytes of payload, no FCS */
    NET_IP_HEADER = 20,             /* the only header length this stack sends or accepts */
    NET_UDP_HEADER = 8,
    NET_UDP_PAYLOAD_MAX = NET_FRAME_MAX - NET_ETHER_HEADER - NET_IP_HEADER - NET_UDP_HEADER,
    NET_ARP_ENTRIES = 16,
    NET_UDP_SOCKETS = 8,
    NET_UDP_QUEUE = 4,              /* datagrams held per socket until the program takes them */
};

enum net_status {
    NET_OK = 0,
    NET_TIMED_OUT = 1,              /* the deadline came first */
    NET_E_LINK = 2,                 /* the link refused to send or receive */
    NET_E_NO_ROUTE = 3,             /* not in our subnet: there is no gateway */
    NET_E_TOO_BIG = 4,              /* more than NET_UDP_PAYLOAD_MAX bytes */
    NET_E_PORT_IN_USE = 5,
    NET_E_NO_SOCKET = 6,            /* every socket is open */
    NET_E_BAD_ARGUMENT = 7,
};

/*
 * Why a frame was dropped. Every received frame ends either accepted (it was
 * answered, cached or queued for a socket) or in exactly one input reason,
 * so frames_in == frames_accepted + the sum of the input drops. The output
 * reasons, after NET_DROP_FIRST_OUTPUT, count frames this stack meant to
 * send and did not.
 */
enum net_drop {
    NET_DROP_TOO_SHORT,             /* shorter than its headers say or need */
    NET_DROP_TOO_LONG,              /* more than NET_FRAME_MAX bytes */
    NET_DROP_NOT_OUR_MAC,           /* unicast to another MAC, or multicast */
    NET_DROP_ETHER_TYPE,            /* neither ARP nor IPv4 (IPv6, VLAN tags...) */
    NET_DROP_ARP_FORMAT,            /* not Ethernet/IPv4 ARP, or an unknown operation */
    NET_DROP_ARP_NOT_OURS,          /* asks for or answers another address */
    NET_DROP_IP_VERSION,
    NET_DROP_IP_HEADER_LENGTH,      /* IHL below 5 */
    NET_DROP_IP_OPTIONS,            /* options this stack does not act on */
    NET_DROP_IP_CHECKSUM,
    NET_DROP_IP_LENGTH,             /* total length below the header or beyond the frame */
    NET_DROP_IP_FRAGMENT,           /* no reassembly: MF set or an offset */
    NET_DROP_IP_NOT_OURS,           /* to another address */
    NET_DROP_IP_SOURCE,             /* from a broadcast, multicast or zero address */
    NET_DROP_IP_PROTOCOL,           /* not ICMP or UDP (TCP comes with issue 19) */
    NET_DROP_ICMP_CHECKSUM,
    NET_DROP_ICMP_TYPE,             /* anything but an echo request to us */
    NET_DROP_UDP_LENGTH,            /* UDP length below 8 or beyond the IP payload */
    NET_DROP_UDP_CHECKSUM,
    NET_DROP_UDP_NO_PORT,           /* no socket on that port (answered: port unreachable) */
    NET_DROP_UDP_QUEUE_FULL,        /* the socket already holds NET_UDP_QUEUE datagrams */
    NET_DROP_FIRST_OUTPUT,
    NET_DROP_LINK_SEND = NET_DROP_FIRST_OUTPUT,     /* the link refused the frame */
    NET_DROP_ARP_REPLACED,          /* waiting for ARP, replaced by a newer packet */
    NET_DROP_ARP_UNRESOLVED,        /* no ARP reply after NET_ARP_TRIES requests */
    NET_DROP_ARP_EVICTED,           /* its waiting entry made room for another neighbour */
    NET_DROP_NO_ROUTE,              /* to an address beyond the subnet (there is no gateway) */
    NET_DROP_REASONS,
};

struct net_counters {
    uint32_t frames_in, frames_accepted, frames_out;
    uint32_t arp_requests_in, arp_replies_in, arp_requests_out, arp_replies_out;
    uint32_t ip_in, ip_out;
    uint32_t icmp_echoes;           /* echo requests answered */
    uint32_t icmp_unreachables_out; /* port unreachable sent for UDP to a closed port */
    uint32_t udp_in, udp_out;       /* datagrams queued for a socket; sent */
    uint32_t drops[NET_DROP_REASONS];
};

/*
 * Where frames go and come from. send returns NET_OK or NET_E_LINK. receive
 * waits for one frame until deadline_ns and returns NET_OK with *length set,
 * NET_TIMED_OUT, or NET_E_LINK. now returns the monotonic clock in ns.
 */
struct net_link {
    void *context;
    enum net_status (*send)(void *context, const void *frame, uint32_t length);
    enum net_status (*receive)(void *context, void *buffer, uint32_t size, uint64_t deadline_ns,
                               uint32_t *length);
    uint64_t (*now)(void *context);
    uint8_t mac[NET_MAC_BYTES];
    uint32_t ip;                    /* ours */
    uint8_t prefix;                 /* subnet prefix length, 1..30 */
};

/* A neighbour: asked for (at most one packet waiting for the answer), resolved, or resolved
 * long ago and asked for again while its MAC is still used (net_arp.c). */
enum net_arp_state { NET_ARP_FREE, NET_ARP_ASKED, NET_ARP_RESOLVED, NET_ARP_REFRESHING };

struct net_arp_entry {
    uint8_t state;                  /* enum net_arp_state */
    uint8_t tries;                  /* requests sent while ASKED or REFRESHING */
    uint8_t mac[NET_MAC_BYTES];
    uint32_t ip;
    uint64_t since_ns;              /* resolved at, or last asked at */
    uint32_t pending_length;        /* 0: no frame waiting */
    uint8_t pending[NET_FRAME_MAX]; /* a whole frame, its destination MAC still to fill in */
};

struct net_datagram {
    uint32_t ip;
    uint16_t port;
    uint16_t length;
    uint8_t data[NET_UDP_PAYLOAD_MAX];
};

struct udp_socket {
    struct net *net;
    uint16_t port;                  /* 0: closed */
    uint8_t first, count;           /* the queue: queue[first], ... count of them */
    struct net_datagram queue[NET_UDP_QUEUE];
};

struct net {
    struct net_link link;
    uint32_t subnet_mask;
    uint16_t next_ip_id;            /* identification of the next IPv4 packet sent */
    uint16_t next_ephemeral_port;
    struct net_counters counters;
    struct net_arp_entry arp[NET_ARP_ENTRIES];
    struct udp_socket udp[NET_UDP_SOCKETS];
    uint8_t receive_frame[NET_FRAME_MAX];
    uint8_t send_frame[NET_FRAME_MAX];
};

/* user/lib/net.c: the stack as a whole. */
/* Starts an empty stack on link (copied); link->prefix must be 1..30. */
enum net_status net_init(struct net *net, const struct net_link *link);
/* Takes in frames and runs the timers until deadline_ns: NET_TIMED_OUT then, or NET_E_LINK. */
enum net_status net_poll(struct net *net, uint64_t deadline_ns);
/* Waits until deadline_ns for one frame or the next timer, whichever is first, and handles it:
 * NET_OK (something happened, or a timer ran), NET_TIMED_OUT or NET_E_LINK. */
enum net_status net_poll_once(struct net *net, uint64_t deadline_ns);
/* Handles one received frame (net_poll_once's path; the unit tests feed frames here). */
void net_input(struct net *net, const void *frame, uint32_t length);
/* Runs what is due at now_ns (ARP requests again, or their end); returns when the next is due. */
uint64_t net_timers(struct net *net, uint64_t now_ns);
const struct net_counters *net_counters(const struct net *net);
/* "too-short", "ip-checksum", ...; "unknown" outside enum net_drop. */
const char *net_drop_name(uint32_t reason);
const char *net_status_name(uint32_t status);
/* Writes "a.b.c.d" (at most 16 bytes with its NUL) and returns text. */
char *net_ip_text(uint32_t ip, char text[16]);

/* user/lib/net_udp.c: datagram sockets. */
/* Opens a socket on port (0: a free port from 49152 on); NULL when the port is taken or no
 * socket is free (*status says which when status is not NULL). */
struct udp_socket *udp_open(struct net *net, uint16_t port, enum net_status *status);
void udp_close(struct udp_socket *socket);
/* Sends one datagram of 0..NET_UDP_PAYLOAD_MAX bytes from the socket's port. NET_OK also when it
 * waits for the neighbour's ARP reply (then it goes out with the reply, or is counted dropped). */
enum net_status udp_send_to(struct udp_socket *socket, uint32_t ip, uint16_t port,
                            const void *data, uint32_t length);
/* Takes the oldest datagram for the socket, waiting for one until deadline_ns (net_poll_once):
 * its first size bytes go to buffer, *length = bytes stored, *ip and *port = its source. */
enum net_status udp_receive_from(struct udp_socket *socket, void *buffer, uint32_t size,
                                 uint32_t *ip, uint16_t *port, uint64_t deadline_ns,
                                 uint32_t *length);

/*
 * user/lib/nic/net_nic.c (built once the NIC calls are in abi.h): the link of the NIC the
 * kernel gives a program in CAIRN_SLOT_NIC, with the MAC and the address (net.ip=) it
 * reports. CAIRN_OK, CAIRN_E_NO_DEVICE when the machine has no NIC, or NIC_INFO's status.
 */
uint32_t net_nic_link(struct net_link *link);

#endif
