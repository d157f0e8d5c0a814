/* IPv4 (RFC 791) without fragments or options: checks every packet in, writes the header of every packet out. */
#include "net_internal.h"

/*
 * The header, 20 bytes (IHL 5), the only kind this stack sends or accepts:
 *
 *   0  version 4, IHL 5     1  type of service     2  total length
 *   4  identification       6  flags (DF 0x4000, MF 0x2000), fragment offset
 *   8  TTL                  9  protocol           10  header checksum
 *   12 source address       16 destination address
 *
 * A host must act on some options (source routes, record route in an echo
 * reply), and this one acts on none, so a packet with options is dropped
 * rather than answered wrongly; there is no reassembly, so a fragment is
 * dropped too. Both are counted, and so is every other reason.
 */
enum {
    IP_FLAG_DONT_FRAGMENT = 0x4000,
    IP_FLAG_MORE_FRAGMENTS = 0x2000,
    IP_FRAGMENT_OFFSET = 0x1fff,
    IP_TTL = 64,
};

/* Is it a source a reply may go to: not zero, not broadcast, not multicast (224/4) or above? */
static int net_ip_source_usable(const struct net *net, uint32_t source)
{
    return source != 0 && !net_ip_is_broadcast(net, source) && source >> 28 < 14;
}

/* Checks the header in order, first what makes the rest readable: a reason, or NET_ACCEPTED. */
static uint32_t net_ip_check(const struct net *net, const uint8_t *packet, uint32_t length)
{
    if (length < NET_IP_HEADER)
        return NET_DROP_TOO_SHORT;
    if (packet[0] >> 4 != 4)
        return NET_DROP_IP_VERSION;
    uint32_t header_length = (packet[0] & 0xf) * 4u;
    if (header_length < NET_IP_HEADER)
        return NET_DROP_IP_HEADER_LENGTH;
    if (header_length > length)
        return NET_DROP_TOO_SHORT;
    if (net_checksum_finish(net_checksum_add(0, packet, header_length)) != 0)
        return NET_DROP_IP_CHECKSUM;
    uint32_t total_length = net_get16(packet + 2);
    if (total_length < header_length || total_length > length)
        return NET_DROP_IP_LENGTH;
    if (header_length != NET_IP_HEADER)
        return NET_DROP_IP_OPTIONS;
    if (net_get16(packet + 6) & (IP_FLAG_MORE_FRAGMENTS | IP_FRAGMENT_OFFSET))
        return NET_DROP_IP_FRAGMENT;
    uint32_t destination = net_get32(packet + 16);
    if (destination != net->link.ip && !net_ip_is_broadcast(net, destination))
        return NET_DROP_IP_NOT_OURS;
    if (!net_ip_source_usable(net, net_get32(packet + 12)))
        return NET_DROP_IP_SOURCE;
    return NET_ACCEPTED;
}

uint32_t net_ip_input(struct net *net, const uint8_t *packet, uint32_t length)
{
    uint32_t reason = net_ip_check(net, packet, length);
    if (reason != NET_ACCEPTED)
        return reason;
    net->counters.ip_in++;
    /* Past the total length is Ethernet's padding of short frames, not data. */
    const uint8_t *payload = packet + NET_IP_HEADER;
    uint32_t payload_length = net_get16(packet + 2) - NET_IP_HEADER;
    switch (packet[9]) {
    case NET_PROTOCOL_ICMP:
        return net_icmp_input(net, packet, payload, payload_length);
    case NET_PROTOCOL_UDP:
        return net_udp_input(net, packet, payload, payload_length);
    default:                    /* NET_PROTOCOL_TCP joins here with issue 19 */
        return NET_DROP_IP_PROTOCOL;
    }
}

enum net_status net_ip_send(struct net *net, uint32_t ip, uint8_t protocol,
                            uint32_t payload_length)
{
    if ((ip & net->subnet_mask) != (net->link.ip & net->subnet_mask) && ip != 0xffffffffu) {
        net->counters.drops[NET_DROP_NO_ROUTE]++;
        return NET_E_NO_ROUTE;
    }
    uint8_t *frame = net->send_frame, *header = frame + NET_IP_OFFSET;
    memcpy(frame + 6, net->link.mac, NET_MAC_BYTES);
    net_put16(frame + 12, NET_ETHER_TYPE_IPV4);
    header[0] = 0x45;
    header[1] = 0;
    net_put16(header + 2, NET_IP_HEADER + payload_length);
    net_put16(header + 4, net->next_ip_id++);
    net_put16(header + 6, IP_FLAG_DONT_FRAGMENT);
    header[8] = IP_TTL;
    header[9] = protocol;
    net_put16(header + 10, 0);
    net_put32(header + 12, net->link.ip);
    net_put32(header + 16, ip);
    net_put16(header + 10, net_checksum_finish(net_checksum_add(0, header, NET_IP_HEADER)));
    net->counters.ip_out++;
    return net_arp_send(net, ip, NET_TRANSPORT_OFFSET + payload_length);
}

uint32_t net_ip_pseudo_sum(uint32_t source, uint32_t destination, uint8_t protocol,
                           uint32_t length)
{
    uint8_t pseudo[12];
    net_put32(pseudo, source);
    net_put32(pseudo + 4, destination);
    pseudo[8] = 0;
    pseudo[9] = protocol;
    net_put16(pseudo + 10, length);
    return net_checksum_add(0, pseudo, sizeof pseudo);
}
