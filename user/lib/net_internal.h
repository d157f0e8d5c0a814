/* What the files of the network stack share: wire byte order, the Internet checksum, each protocol's input and output. */
#ifndef CAIRN_USER_NET_INTERNAL_H
#define CAIRN_USER_NET_INTERNAL_H

#include <cairn/net.h>

/*
 * The three string functions the stack uses: libcairn's in a program, the
 * host's libc in the unit tests (both declare them like this), so the stack
 * includes no libc header and compiles unchanged in both.
 */
void *memcpy(void *destination, const void *source, size_t length);
void *memset(void *destination, int value, size_t length);
int memcmp(const void *a, const void *b, size_t length);

/*
 * A frame as sent and received, with the offsets of its headers (no IPv4
 * options are sent or accepted, so they never move):
 *
 *   0   Ethernet: destination MAC, source MAC, EtherType
 *   14  IPv4 header (NET_IP_HEADER bytes) or the ARP packet
 *   34  ICMP or UDP header, then the payload
 */
enum {
    NET_IP_OFFSET = NET_ETHER_HEADER,
    NET_TRANSPORT_OFFSET = NET_ETHER_HEADER + NET_IP_HEADER,
    NET_ETHER_TYPE_IPV4 = 0x0800,
    NET_ETHER_TYPE_ARP = 0x0806,
    NET_PROTOCOL_ICMP = 1,
    NET_PROTOCOL_TCP = 6,
    NET_PROTOCOL_UDP = 17,
};

/* What an input function returns: a drop reason, or this for a frame it accepted. */
#define NET_ACCEPTED ((uint32_t)NET_DROP_REASONS)

extern const uint8_t net_broadcast_mac[NET_MAC_BYTES];

/* Big-endian fields at any alignment (frames are byte arrays, never cast to structs). */
static inline uint16_t net_get16(const uint8_t *bytes)
{
    return (uint16_t)(bytes[0] << 8 | bytes[1]);
}

static inline uint32_t net_get32(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

static inline void net_put16(uint8_t *bytes, uint32_t value)
{
    bytes[0] = (uint8_t)(value >> 8);
    bytes[1] = (uint8_t)value;
}

static inline void net_put32(uint8_t *bytes, uint32_t value)
{
    net_put16(bytes, value >> 16);
    net_put16(bytes + 2, value);
}

/* net.c */
/* Adds length bytes as big-endian 16-bit words (an odd last byte padded with zero) to sum. */
uint32_t net_checksum_add(uint32_t sum, const void *data, uint32_t length);
/* Folds the carries of sum and returns its ones' complement: the field to send. */
uint16_t net_checksum_finish(uint32_t sum);
/* Sends a whole frame through the link and counts it (out, or dropped). */
enum net_status net_link_send(struct net *net, const uint8_t *frame, uint32_t length);
/* Is ip 255.255.255.255 or our subnet's broadcast address? */
int net_ip_is_broadcast(const struct net *net, uint32_t ip);

/* net_arp.c */
uint32_t net_arp_input(struct net *net, const uint8_t *packet, uint32_t length);
/* Sends net->send_frame (length bytes, Ethernet header but its destination filled in) to the
 * neighbour ip: at once when resolved, else held while ARP asks for it. */
enum net_status net_arp_send(struct net *net, uint32_t ip, uint32_t length);
uint64_t net_arp_timers(struct net *net, uint64_t now_ns);

/* net_ip.c */
uint32_t net_ip_input(struct net *net, const uint8_t *packet, uint32_t length);
/* Sends net->send_frame with payload_length bytes after the IPv4 header to ip: fills in the
 * Ethernet and IPv4 headers and hands it to ARP. */
enum net_status net_ip_send(struct net *net, uint32_t ip, uint8_t protocol,
                            uint32_t payload_length);
/* Sum of the UDP/TCP pseudo-header (RFC 768): addresses, protocol, length. */
uint32_t net_ip_pseudo_sum(uint32_t source, uint32_t destination, uint8_t protocol,
                           uint32_t length);

/* net_icmp.c; header is the received IPv4 header, message what follows it. */
uint32_t net_icmp_input(struct net *net, const uint8_t *header, const uint8_t *message,
                        uint32_t length);
/* Answers a UDP datagram to a closed port (header: its IPv4 header, 8 bytes at least after). */
void net_icmp_port_unreachable(struct net *net, const uint8_t *header, uint32_t length);

/* net_udp.c */
uint32_t net_udp_input(struct net *net, const uint8_t *header, const uint8_t *datagram,
                       uint32_t length);

#endif
