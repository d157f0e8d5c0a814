/* ICMP (RFC 792): answers echo requests (ping) and tells a sender that a UDP port is closed. */
#include "net_internal.h"

/*
 * A message: type, code, checksum over the whole message, then 4 bytes
 * that depend on the type (an echo's identifier and sequence number), then
 * data (an echo's payload; for an error, the IPv4 header and first 8 bytes
 * of the packet it is about).
 */
enum {
    ICMP_HEADER = 8,
    ICMP_ECHO_REPLY = 0,
    ICMP_UNREACHABLE = 3,
    ICMP_UNREACHABLE_PORT = 3,
    ICMP_ECHO_REQUEST = 8,
};

/* Sums the message in net->send_frame, writes its checksum and sends it to ip. */
static void net_icmp_send(struct net *net, uint32_t ip, uint32_t length)
{
    uint8_t *message = net->send_frame + NET_TRANSPORT_OFFSET;
    net_put16(message + 2, 0);
    net_put16(message + 2, net_checksum_finish(net_checksum_add(0, message, length)));
    net_ip_send(net, ip, NET_PROTOCOL_ICMP, length);
}

/* The reply is the request with another type: the same identifier, sequence number and data. */
static void net_icmp_echo_reply(struct net *net, uint32_t ip, const uint8_t *request,
                                uint32_t length)
{
    uint8_t *reply = net->send_frame + NET_TRANSPORT_OFFSET;
    memcpy(reply, request, length);
    reply[0] = ICMP_ECHO_REPLY;
    reply[1] = 0;
    net->counters.icmp_echoes++;
    net_icmp_send(net, ip, length);
}

uint32_t net_icmp_input(struct net *net, const uint8_t *header, const uint8_t *message,
                        uint32_t length)
{
    if (length < ICMP_HEADER)
        return NET_DROP_TOO_SHORT;
    if (net_checksum_finish(net_checksum_add(0, message, length)) != 0)
        return NET_DROP_ICMP_CHECKSUM;
    /* An echo to a broadcast address goes unanswered, as RFC 1122 allows: one ping must not
     * draw a reply from every host of the subnet. */
    if (message[0] != ICMP_ECHO_REQUEST || message[1] != 0 ||
        net_get32(header + 16) != net->link.ip)
        return NET_DROP_ICMP_TYPE;
    net_icmp_echo_reply(net, net_get32(header + 12), message, length);
    return NET_ACCEPTED;
}

void net_icmp_port_unreachable(struct net *net, const uint8_t *header, uint32_t length)
{
    /* RFC 1122: no ICMP error about a datagram sent to a broadcast address. */
    if (net_get32(header + 16) != net->link.ip)
        return;
    uint32_t quoted = NET_IP_HEADER + 8;
    if (quoted > length)
        quoted = length;
    uint8_t *message = net->send_frame + NET_TRANSPORT_OFFSET;
    message[0] = ICMP_UNREACHABLE;
    message[1] = ICMP_UNREACHABLE_PORT;
    net_put32(message + 4, 0);
    memcpy(message + ICMP_HEADER, header, quoted);
    net->counters.icmp_unreachables_out++;
    net_icmp_send(net, net_get32(header + 12), ICMP_HEADER + quoted);
}
