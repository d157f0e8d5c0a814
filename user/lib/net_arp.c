/* ARP (RFC 826): answers requests for our address, keeps a small neighbour cache, holds one packet per neighbour it asks for. */
#include "net_internal.h"

/*
 * An Ethernet/IPv4 ARP packet (28 bytes after the Ethernet header):
 *
 *   0  hardware type 1      2  protocol type 0x0800   4  lengths 6, 4
 *   6  operation (1 request, 2 reply)
 *   8  sender MAC   14  sender IP   18  target MAC   24  target IP
 *
 * An entry is FREE, ASKED (a request went out; at most one frame waits for
 * the answer, a newer one replacing it), RESOLVED, or REFRESHING. A
 * RESOLVED entry is trusted for NET_ARP_LIFETIME_NS; the first packet to it
 * after that makes it REFRESHING: it is asked for again while packets still
 * go to the MAC it had, so a neighbour that kept its MAC loses nothing, and
 * one that came back with another (a host rebooted, or this machine resumed
 * on another network) is found again within a minute. ASKED and REFRESHING
 * entries ask again every NET_ARP_RETRY_NS and are forgotten after
 * NET_ARP_TRIES unanswered requests. The times are on the monotonic clock,
 * which the checkpoint keeps, so a resumed cache ages on as if the machine
 * had not stopped.
 */
enum {
    ARP_PACKET = 28,
    ARP_OPERATION_REQUEST = 1,
    ARP_OPERATION_REPLY = 2,
    NET_ARP_TRIES = 3,
};
#define NET_ARP_RETRY_NS 1000000000ull
#define NET_ARP_LIFETIME_NS 60000000000ull

static uint64_t net_now(struct net *net)
{
    return net->link.now(net->link.context);
}

static struct net_arp_entry *net_arp_find(struct net *net, uint32_t ip)
{
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++)
        if (net->arp[i].state != NET_ARP_FREE && net->arp[i].ip == ip)
            return &net->arp[i];
    return NULL;
}

/* A free entry, or else the one changed longest ago (its waiting frame counted dropped). */
static struct net_arp_entry *net_arp_take_entry(struct net *net, uint32_t ip)
{
    struct net_arp_entry *oldest = &net->arp[0];
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++) {
        if (net->arp[i].state == NET_ARP_FREE) {
            oldest = &net->arp[i];
            break;
        }
        if (net->arp[i].since_ns < oldest->since_ns)
            oldest = &net->arp[i];
    }
    if (oldest->state == NET_ARP_ASKED && oldest->pending_length)
        net->counters.drops[NET_DROP_ARP_EVICTED]++;
    oldest->state = NET_ARP_FREE;
    oldest->ip = ip;
    oldest->pending_length = 0;
    return oldest;
}

/* Builds and sends an ARP packet in a buffer of its own: net->send_frame may hold a frame
 * still to be sent. */
static void net_arp_send_packet(struct net *net, uint32_t operation, const uint8_t *target_mac,
                                uint32_t target_ip, const uint8_t *ether_destination)
{
    uint8_t frame[NET_ETHER_HEADER + ARP_PACKET], *arp = frame + NET_ETHER_HEADER;
    memcpy(frame, ether_destination, NET_MAC_BYTES);
    memcpy(frame + 6, net->link.mac, NET_MAC_BYTES);
    net_put16(frame + 12, NET_ETHER_TYPE_ARP);
    net_put16(arp, 1);
    net_put16(arp + 2, NET_ETHER_TYPE_IPV4);
    arp[4] = NET_MAC_BYTES;
    arp[5] = 4;
    net_put16(arp + 6, operation);
    memcpy(arp + 8, net->link.mac, NET_MAC_BYTES);
    net_put32(arp + 14, net->link.ip);
    memcpy(arp + 18, target_mac, NET_MAC_BYTES);
    net_put32(arp + 24, target_ip);
    if (operation == ARP_OPERATION_REQUEST)
        net->counters.arp_requests_out++;
    else
        net->counters.arp_replies_out++;
    net_link_send(net, frame, sizeof frame);
}

static void net_arp_request(struct net *net, struct net_arp_entry *entry, uint64_t now_ns)
{
    static const uint8_t unknown_mac[NET_MAC_BYTES];
    entry->tries++;
    entry->since_ns = now_ns;
    net_arp_send_packet(net, ARP_OPERATION_REQUEST, unknown_mac, entry->ip, net_broadcast_mac);
}

/* The neighbour's MAC is known: note it, and send the frame that waited for it. */
static void net_arp_resolve(struct net *net, struct net_arp_entry *entry, const uint8_t *mac)
{
    memcpy(entry->mac, mac, NET_MAC_BYTES);
    entry->state = NET_ARP_RESOLVED;
    entry->tries = 0;
    entry->since_ns = net_now(net);
    if (entry->pending_length) {
        memcpy(entry->pending, mac, NET_MAC_BYTES);
        net_link_send(net, entry->pending, entry->pending_length);
        entry->pending_length = 0;
    }
}

/* Checks the fixed fields: Ethernet hardware, IPv4 protocol, a request or a reply. */
static int net_arp_well_formed(const uint8_t *arp)
{
    uint32_t operation = net_get16(arp + 6);
    return net_get16(arp) == 1 && net_get16(arp + 2) == NET_ETHER_TYPE_IPV4 &&
           arp[4] == NET_MAC_BYTES && arp[5] == 4 &&
           (operation == ARP_OPERATION_REQUEST || operation == ARP_OPERATION_REPLY);
}

/* RFC 826's merge: a sender we know is updated; one that asks for us is learnt. */
uint32_t net_arp_input(struct net *net, const uint8_t *arp, uint32_t length)
{
    if (length < ARP_PACKET)
        return NET_DROP_TOO_SHORT;
    if (!net_arp_well_formed(arp))
        return NET_DROP_ARP_FORMAT;
    const uint8_t *sender_mac = arp + 8;
    uint32_t operation = net_get16(arp + 6), sender_ip = net_get32(arp + 14);
    if (operation == ARP_OPERATION_REQUEST)
        net->counters.arp_requests_in++;
    else
        net->counters.arp_replies_in++;
    /* Address 0 is a probe (RFC 5227); a broadcast sender is bogus, and one claiming our own
     * address is another host in conflict with us: none of them is a neighbour to learn. */
    int usable_sender = sender_ip != 0 && sender_ip != net->link.ip &&
                        !net_ip_is_broadcast(net, sender_ip) && !(sender_mac[0] & 1);
    struct net_arp_entry *entry = usable_sender ? net_arp_find(net, sender_ip) : NULL;
    if (entry)
        net_arp_resolve(net, entry, sender_mac);
    if (net_get32(arp + 24) != net->link.ip)
        return NET_DROP_ARP_NOT_OURS;
    if (!entry && usable_sender)
        net_arp_resolve(net, net_arp_take_entry(net, sender_ip), sender_mac);
    if (operation == ARP_OPERATION_REQUEST)
        net_arp_send_packet(net, ARP_OPERATION_REPLY, sender_mac, sender_ip, sender_mac);
    return NET_ACCEPTED;
}

/* Sends net->send_frame to a neighbour whose MAC is known, asking for it again once it is old. */
static enum net_status net_arp_send_known(struct net *net, struct net_arp_entry *entry,
                                          uint32_t length, uint64_t now_ns)
{
    memcpy(net->send_frame, entry->mac, NET_MAC_BYTES);
    enum net_status status = net_link_send(net, net->send_frame, length);
    if (entry->state == NET_ARP_RESOLVED && now_ns - entry->since_ns >= NET_ARP_LIFETIME_NS) {
        entry->state = NET_ARP_REFRESHING;
        entry->tries = 0;
        net_arp_request(net, entry, now_ns);
    }
    return status;
}

enum net_status net_arp_send(struct net *net, uint32_t ip, uint32_t length)
{
    uint8_t *frame = net->send_frame;
    if (net_ip_is_broadcast(net, ip)) {
        memcpy(frame, net_broadcast_mac, NET_MAC_BYTES);
        return net_link_send(net, frame, length);
    }
    uint64_t now = net_now(net);
    struct net_arp_entry *entry = net_arp_find(net, ip);
    if (entry && entry->state != NET_ARP_ASKED)
        return net_arp_send_known(net, entry, length, now);
    if (!entry) {
        entry = net_arp_take_entry(net, ip);
        entry->state = NET_ARP_ASKED;
        entry->tries = 0;
        net_arp_request(net, entry, now);
    }
    if (entry->pending_length)
        net->counters.drops[NET_DROP_ARP_REPLACED]++;
    memcpy(entry->pending, frame, length);
    entry->pending_length = length;
    return NET_OK;
}

/* Asks again for the neighbours that did not answer; forgets those that never will. */
uint64_t net_arp_timers(struct net *net, uint64_t now_ns)
{
    uint64_t next = NET_FOREVER;
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++) {
        struct net_arp_entry *entry = &net->arp[i];
        if (entry->state != NET_ARP_ASKED && entry->state != NET_ARP_REFRESHING)
            continue;
        if (now_ns - entry->since_ns >= NET_ARP_RETRY_NS) {
            if (entry->tries >= NET_ARP_TRIES) {
                if (entry->pending_length)
                    net->counters.drops[NET_DROP_ARP_UNRESOLVED]++;
                entry->state = NET_ARP_FREE;
                entry->pending_length = 0;
                continue;
            }
            net_arp_request(net, entry, now_ns);
        }
        if (entry->since_ns + NET_ARP_RETRY_NS < next)
            next = entry->since_ns + NET_ARP_RETRY_NS;
    }
    return next;
}
