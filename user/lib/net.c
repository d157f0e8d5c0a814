/* The network stack as a whole: start, the receive loop with its timers, Ethernet dispatch, the checksum, counters. */
#include "net_internal.h"

/*
 * A frame's way in: net_poll_once -> link receive -> net_input (Ethernet)
 * -> net_arp_input, or net_ip_input -> net_icmp_input / net_udp_input. Each
 * returns a drop reason or NET_ACCEPTED, and net_input counts the outcome
 * once, so every frame in is counted in exactly one place.
 *
 * The way out: a protocol builds its packet in net->send_frame after the
 * IPv4 header, net_ip_send writes the headers, net_arp_send fills in the
 * neighbour's MAC (or holds the frame while ARP asks), net_link_send.
 *
 * Timers (ARP's retries now, TCP's retransmissions later) run from
 * net_poll_once, which wakes for the next one due: the stack has no thread
 * of its own and needs none, since it runs only when the program calls it.
 */

const uint8_t net_broadcast_mac[NET_MAC_BYTES] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

enum net_status net_init(struct net *net, const struct net_link *link)
{
    if (!link->send || !link->receive || !link->now || link->prefix < 1 || link->prefix > 30)
        return NET_E_BAD_ARGUMENT;
    memset(net, 0, sizeof *net);
    net->link = *link;
    net->subnet_mask = ~0u << (32 - link->prefix);
    /* Any start will do (RFC 6864 asks only that IDs not repeat quickly between two hosts);
     * the low bits of our address keep two Cairn machines off the same sequence. */
    net->next_ip_id = (uint16_t)(link->ip * 2654435761u >> 16);
    net->next_ephemeral_port = 49152;
    for (uint32_t i = 0; i < NET_UDP_SOCKETS; i++)
        net->udp[i].net = net;
    return NET_OK;
}

/* Ours, or broadcast; a multicast group we never joined is not for us. */
static int net_mac_is_ours(const struct net *net, const uint8_t *mac)
{
    return memcmp(mac, net->link.mac, NET_MAC_BYTES) == 0 ||
           memcmp(mac, net_broadcast_mac, NET_MAC_BYTES) == 0;
}

static uint32_t net_ether_input(struct net *net, const uint8_t *frame, uint32_t length)
{
    if (length < NET_ETHER_HEADER)
        return NET_DROP_TOO_SHORT;
    if (length > NET_FRAME_MAX)
        return NET_DROP_TOO_LONG;
    if (!net_mac_is_ours(net, frame))
        return NET_DROP_NOT_OUR_MAC;
    const uint8_t *payload = frame + NET_ETHER_HEADER;
    uint32_t payload_length = length - NET_ETHER_HEADER;
    switch (net_get16(frame + 12)) {
    case NET_ETHER_TYPE_ARP:
        return net_arp_input(net, payload, payload_length);
    case NET_ETHER_TYPE_IPV4:
        return net_ip_input(net, payload, payload_length);
    default:
        return NET_DROP_ETHER_TYPE;
    }
}

void net_input(struct net *net, const void *frame, uint32_t length)
{
    net->counters.frames_in++;
    uint32_t outcome = net_ether_input(net, frame, length);
    if (outcome == NET_ACCEPTED)
        net->counters.frames_accepted++;
    else
        net->counters.drops[outcome]++;
}

uint64_t net_timers(struct net *net, uint64_t now_ns)
{
    return net_arp_timers(net, now_ns);
}

enum net_status net_poll_once(struct net *net, uint64_t deadline_ns)
{
    uint64_t next_timer = net_timers(net, net->link.now(net->link.context));
    uint64_t wake = next_timer < deadline_ns ? next_timer : deadline_ns;
    uint32_t length = 0;
    enum net_status status = net->link.receive(net->link.context, net->receive_frame,
                                               sizeof net->receive_frame, wake, &length);
    if (status == NET_OK) {
        net_input(net, net->receive_frame, length);
        return NET_OK;
    }
    if (status == NET_TIMED_OUT && wake < deadline_ns)
        return NET_OK;                  /* woken for a timer, which runs on the next call */
    return status;
}

enum net_status net_poll(struct net *net, uint64_t deadline_ns)
{
    enum net_status status;
    do
        status = net_poll_once(net, deadline_ns);
    while (status == NET_OK);
    return status;
}

enum net_status net_link_send(struct net *net, const uint8_t *frame, uint32_t length)
{
    enum net_status status = net->link.send(net->link.context, frame, length);
    if (status == NET_OK)
        net->counters.frames_out++;
    else
        net->counters.drops[NET_DROP_LINK_SEND]++;
    return status == NET_OK ? NET_OK : NET_E_LINK;
}

int net_ip_is_broadcast(const struct net *net, uint32_t ip)
{
    return ip == 0xffffffffu || ip == ((net->link.ip & net->subnet_mask) | ~net->subnet_mask);
}

/* RFC 1071: the ones' complement sum, kept in 32 bits and folded at the end. */
uint32_t net_checksum_add(uint32_t sum, const void *data, uint32_t length)
{
    const uint8_t *bytes = data;
    for (; length >= 2; bytes += 2, length -= 2) {
        sum += net_get16(bytes);
        sum = (sum & 0xffff) + (sum >> 16);         /* never overflows, whatever the length */
    }
    if (length)
        sum += (uint32_t)bytes[0] << 8;
    return sum;
}

uint16_t net_checksum_finish(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

const struct net_counters *net_counters(const struct net *net)
{
    return &net->counters;
}

static const char *const net_drop_names[NET_DROP_REASONS] = {
    [NET_DROP_TOO_SHORT] = "too-short",
    [NET_DROP_TOO_LONG] = "too-long",
    [NET_DROP_NOT_OUR_MAC] = "not-our-mac",
    [NET_DROP_ETHER_TYPE] = "ether-type",
    [NET_DROP_ARP_FORMAT] = "arp-format",
    [NET_DROP_ARP_NOT_OURS] = "arp-not-ours",
    [NET_DROP_IP_VERSION] = "ip-version",
    [NET_DROP_IP_HEADER_LENGTH] = "ip-header-length",
    [NET_DROP_IP_OPTIONS] = "ip-options",
    [NET_DROP_IP_CHECKSUM] = "ip-checksum",
    [NET_DROP_IP_LENGTH] = "ip-length",
    [NET_DROP_IP_FRAGMENT] = "ip-fragment",
    [NET_DROP_IP_NOT_OURS] = "ip-not-ours",
    [NET_DROP_IP_SOURCE] = "ip-source",
    [NET_DROP_IP_PROTOCOL] = "ip-protocol",
    [NET_DROP_ICMP_CHECKSUM] = "icmp-checksum",
    [NET_DROP_ICMP_TYPE] = "icmp-type",
    [NET_DROP_UDP_LENGTH] = "udp-length",
    [NET_DROP_UDP_CHECKSUM] = "udp-checksum",
    [NET_DROP_UDP_NO_PORT] = "udp-no-port",
    [NET_DROP_UDP_QUEUE_FULL] = "udp-queue-full",
    [NET_DROP_LINK_SEND] = "link-send",
    [NET_DROP_ARP_REPLACED] = "arp-replaced",
    [NET_DROP_ARP_UNRESOLVED] = "arp-unresolved",
    [NET_DROP_ARP_EVICTED] = "arp-evicted",
    [NET_DROP_NO_ROUTE] = "no-route",
};

const char *net_drop_name(uint32_t reason)
{
    return reason < NET_DROP_REASONS && net_drop_names[reason] ? net_drop_names[reason]
                                                                : "unknown";
}

static const char *const net_status_names[] = {
    [NET_OK] = "OK",
    [NET_TIMED_OUT] = "TIMED_OUT",
    [NET_E_LINK] = "E_LINK",
    [NET_E_NO_ROUTE] = "E_NO_ROUTE",
    [NET_E_TOO_BIG] = "E_TOO_BIG",
    [NET_E_PORT_IN_USE] = "E_PORT_IN_USE",
    [NET_E_NO_SOCKET] = "E_NO_SOCKET",
    [NET_E_BAD_ARGUMENT] = "E_BAD_ARGUMENT",
};

const char *net_status_name(uint32_t status)
{
    return status < sizeof net_status_names / sizeof net_status_names[0] ? net_status_names[status]
                                                                         : "E_UNKNOWN";
}

/* Decimal digits of one byte, without a printf (the stack links into the host tests too). */
static char *net_byte_text(char *text, uint32_t byte)
{
    if (byte >= 100)
        *text++ = (char)('0' + byte / 100);
    if (byte >= 10)
        *text++ = (char)('0' + byte / 10 % 10);
    *text++ = (char)('0' + byte % 10);
    return text;
}

char *net_ip_text(uint32_t ip, char text[16])
{
    char *end = text;
    for (int shift = 24; shift >= 0; shift -= 8) {
        end = net_byte_text(end, ip >> shift & 0xff);
        *end++ = shift ? '.' : '\0';
    }
    return text;
}
