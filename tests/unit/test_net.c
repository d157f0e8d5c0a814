/* Host tests of the network stack's Ethernet, ARP, IPv4 and ICMP (user/lib/net*.c) on crafted frames and frames captured from Linux. */
#include <string.h>
#include "fake_link.h"
#include "unit.h"

static struct net net;
static struct fake_link fake;

/* The guest's answer to Linux's request, byte for byte (RFC 826). */
static const char expected_arp_reply[] =
    "020000000002525400123456080600010800060400025254001234560a00020f0200000000020a000202";

static int frame_equals_hex(const uint8_t *frame, uint32_t length, const char *hex)
{
    uint8_t expected[NET_FRAME_MAX];
    uint32_t expected_length = hex_to_bytes(hex, expected, sizeof expected);
    return frame && length == expected_length && memcmp(frame, expected, length) == 0;
}

UNIT_TEST(net_arp_request_for_us_gets_the_exact_reply)
{
    start_guest_knowing_host(&fake, &net);
    uint8_t request[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_arp_request, request, sizeof request);
    feed_exact(&net, request, length);
    uint32_t sent_length = 0;
    const uint8_t *reply = fake_link_sent(&fake, 0, &sent_length);
    UNIT_EXPECT_INT_EQ(fake.out_count, 1);
    UNIT_EXPECT(frame_equals_hex(reply, sent_length, expected_arp_reply));
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_in, 2);
    UNIT_EXPECT_INT_EQ(net.counters.arp_replies_out, 2);
    UNIT_EXPECT_INT_EQ(net.counters.frames_accepted, 2);
}

UNIT_TEST(net_arp_request_for_another_address_is_not_answered)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    uint8_t request[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_arp_request, request, sizeof request);
    request[41] = 16;                                   /* asks for 10.0.2.16 */
    feed_exact(&net, request, length);
    UNIT_EXPECT_INT_EQ(fake.out_count, 0);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_NOT_OURS], 1);
    request[41] = 15;
    request[21] = 3;                                    /* operation 3: not ARP's */
    feed_exact(&net, request, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_FORMAT], 1);
    UNIT_EXPECT_INT_EQ(fake.out_count, 0);
    for (uint32_t cut = 0; cut < length; cut++)
        feed_exact(&net, request, cut);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_TOO_SHORT], length);
}

/* A reply from the host to the guest's request for it. */
static uint32_t host_arp_reply(uint8_t *frame)
{
    uint32_t length = hex_to_bytes(expected_arp_reply, frame, NET_FRAME_MAX);
    uint8_t guest[NET_MAC_BYTES], host[NET_MAC_BYTES];
    memcpy(guest, frame + 6, NET_MAC_BYTES);
    memcpy(host, frame, NET_MAC_BYTES);
    memcpy(frame, guest, NET_MAC_BYTES);                /* Ethernet: host to guest */
    memcpy(frame + 6, host, NET_MAC_BYTES);
    memcpy(frame + 22, host, NET_MAC_BYTES);            /* sender: host, 10.0.2.2 */
    memcpy(frame + 28, (const uint8_t[]){ 10, 0, 2, 2 }, 4);
    memcpy(frame + 32, guest, NET_MAC_BYTES);           /* target: guest, 10.0.2.15 */
    memcpy(frame + 38, (const uint8_t[]){ 10, 0, 2, 15 }, 4);
    return length;
}

UNIT_TEST(net_arp_asks_for_an_unknown_neighbour_and_sends_the_waiting_packet)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    struct udp_socket *socket = udp_open(&net, 7, NULL);
    UNIT_ASSERT(socket != NULL);
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 40000, "first", 5), NET_OK);
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 40000, "second", 6), NET_OK);
    uint32_t length = 0;
    const uint8_t *request = fake_link_sent(&fake, 0, &length);
    UNIT_EXPECT_INT_EQ(fake.out_count, 1);              /* one request, nothing else yet */
    UNIT_EXPECT(frame_equals_hex(request, length,
                                 "ffffffffffff52540012345608060001080006040001525400123456"
                                 "0a00020f0000000000000a000202"));
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_REPLACED], 1);
    uint8_t reply[NET_FRAME_MAX];
    feed_exact(&net, reply, host_arp_reply(reply));
    UNIT_EXPECT_INT_EQ(net.counters.arp_replies_in, 1);
    const uint8_t *datagram = fake_link_sent(&fake, 1, &length);
    UNIT_ASSERT(datagram != NULL);
    UNIT_EXPECT_INT_EQ(fake.out_count, 2);
    UNIT_EXPECT(memcmp(datagram, host_mac, NET_MAC_BYTES) == 0);
    UNIT_EXPECT_INT_EQ(length, NET_ETHER_HEADER + NET_IP_HEADER + NET_UDP_HEADER + 6);
    UNIT_EXPECT(memcmp(datagram + 42, "second", 6) == 0);
    /* Resolved now: the next datagram goes straight out. */
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 40000, "third", 5), NET_OK);
    UNIT_EXPECT_INT_EQ(fake.out_count, 3);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 1);
    UNIT_EXPECT_INT_EQ(fake.out_malformed, 0);
}

UNIT_TEST(net_arp_asks_three_times_then_drops_the_waiting_packet)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    struct udp_socket *socket = udp_open(&net, 0, NULL);
    UNIT_ASSERT(socket != NULL);
    uint64_t start = fake.now_ns;
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, NET_IP(10, 0, 2, 99), 9, "x", 1), NET_OK);
    /* The fake clock jumps to each wake-up: the retries at 1 s and 2 s, the end at 3 s. */
    UNIT_EXPECT_INT_EQ(net_poll(&net, start + 10000000000ull), NET_TIMED_OUT);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 3);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_UNRESOLVED], 1);
    UNIT_EXPECT_INT_EQ(fake.now_ns, start + 10000000000ull);
    UNIT_EXPECT_INT_EQ(fake.out_count, 3);
}

UNIT_TEST(net_arp_entry_is_asked_for_again_after_its_lifetime_while_still_used)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    udp_send_to(socket, HOST_IP, 40000, "now", 3);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 0);
    fake.now_ns += 61000000000ull;                      /* past the 60 s lifetime */
    udp_send_to(socket, HOST_IP, 40000, "later", 5);
    uint32_t length = 0;
    const uint8_t *later = fake_link_sent(&fake, 1, &length);
    UNIT_ASSERT(later != NULL);
    UNIT_EXPECT(memcmp(later, host_mac, NET_MAC_BYTES) == 0);       /* not held: the old MAC */
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 1);
    UNIT_EXPECT_INT_EQ(fake.out_count, 3);              /* both datagrams and the request */
    /* The host answers (its request for us, as Linux sends one): resolved again. */
    uint8_t request[NET_FRAME_MAX];
    feed_exact(&net, request, hex_to_bytes(linux_arp_request, request, sizeof request));
    fake.now_ns += 10000000000ull;
    UNIT_EXPECT_INT_EQ(net_timers(&net, fake.now_ns), NET_FOREVER);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 1);
}

UNIT_TEST(net_arp_entry_that_stops_answering_is_forgotten)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    fake.now_ns += 61000000000ull;
    udp_send_to(socket, HOST_IP, 40000, "later", 5);
    UNIT_EXPECT_INT_EQ(net_poll(&net, fake.now_ns + 5000000000ull), NET_TIMED_OUT);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 3);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_UNRESOLVED], 0);     /* none waited */
    /* Forgotten: the next datagram waits for an answer to a new request. */
    uint32_t sent = fake.out_count;
    udp_send_to(socket, HOST_IP, 40000, "again", 5);
    UNIT_EXPECT_INT_EQ(fake.out_count, sent + 1);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, 4);
}

UNIT_TEST(net_arp_cache_full_evicts_the_oldest_entry)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    struct udp_socket *socket = udp_open(&net, 7, NULL);
    UNIT_ASSERT(socket != NULL);
    for (uint32_t i = 0; i < NET_ARP_ENTRIES + 1; i++) {
        fake.now_ns += 1000;
        udp_send_to(socket, NET_IP(10, 0, 2, 100 + i), 9, "x", 1);
    }
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, NET_ARP_ENTRIES + 1);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_EVICTED], 1);
    int first_kept = 0;
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++)
        first_kept |= net.arp[i].ip == NET_IP(10, 0, 2, 100);
    UNIT_EXPECT(!first_kept);
}

/* Checks an IPv4 header the guest sent to the host with the test's own checksum. */
static void expect_ip_header_to_host(const uint8_t *header, uint8_t protocol, uint32_t total)
{
    UNIT_EXPECT_INT_EQ(header[0], 0x45);
    UNIT_EXPECT_INT_EQ(header[2] << 8 | header[3], total);
    UNIT_EXPECT_INT_EQ(header[6] << 8 | header[7], 0x4000);        /* DF, no fragment */
    UNIT_EXPECT_INT_EQ(header[8], 64);
    UNIT_EXPECT_INT_EQ(header[9], protocol);
    UNIT_EXPECT(memcmp(header + 12, (const uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8) == 0);
    UNIT_EXPECT_INT_EQ(reference_checksum(header, NET_IP_HEADER), 0);
}

UNIT_TEST(net_icmp_echo_request_gets_its_reply)
{
    start_guest_knowing_host(&fake, &net);
    uint8_t request[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_echo_request, request, sizeof request);
    feed_exact(&net, request, length);
    uint32_t sent_length = 0;
    const uint8_t *reply = fake_link_sent(&fake, 0, &sent_length);
    UNIT_ASSERT(reply != NULL);
    UNIT_EXPECT_INT_EQ(sent_length, length);
    UNIT_EXPECT(memcmp(reply, host_mac, NET_MAC_BYTES) == 0);
    UNIT_EXPECT(memcmp(reply + 6, guest_mac, NET_MAC_BYTES) == 0);
    expect_ip_header_to_host(reply + 14, 1, length - 14);
    const uint8_t *message = reply + 34;
    UNIT_EXPECT_INT_EQ(message[0], 0);                  /* echo reply */
    UNIT_EXPECT_INT_EQ(message[1], 0);
    UNIT_EXPECT(memcmp(message + 4, request + 38, 4) == 0);         /* identifier, sequence */
    UNIT_EXPECT(memcmp(message + 8, request + 42, length - 42) == 0);
    UNIT_EXPECT_INT_EQ(reference_checksum(message, length - 34), 0);
    UNIT_EXPECT_INT_EQ(net.counters.icmp_echoes, 1);
    UNIT_EXPECT_INT_EQ(net.counters.ip_in, 1);
    UNIT_EXPECT_INT_EQ(net.counters.ip_out, 1);
}

UNIT_TEST(net_icmp_bad_checksum_and_broadcast_echo_are_not_answered)
{
    start_guest_knowing_host(&fake, &net);
    uint8_t request[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_echo_request, request, sizeof request);
    request[60] ^= 1;                                   /* a data byte: the checksum fails */
    feed_exact(&net, request, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ICMP_CHECKSUM], 1);
    request[60] ^= 1;
    request[33] = 255;                                  /* to 10.0.2.255 */
    refresh_ip_checksum(request);
    feed_exact(&net, request, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ICMP_TYPE], 1);
    UNIT_EXPECT_INT_EQ(fake.out_count, 0);
}

/* One wrong header: the change it makes to Linux's UDP frame and the reason it must give. */
struct bad_header {
    const char *what;
    uint32_t offset, value;     /* the byte at offset (from the frame's start) becomes value */
    int fix_checksum;           /* then rewrite the IPv4 checksum, so only the change counts */
    uint32_t reason;
};

static const struct bad_header bad_headers[] = {
    { "IPv4 checksum", 24, 0x0c, 0, NET_DROP_IP_CHECKSUM },
    { "version 6", 14, 0x65, 1, NET_DROP_IP_VERSION },
    { "IHL 4", 14, 0x44, 1, NET_DROP_IP_HEADER_LENGTH },
    { "IHL 6 (options)", 14, 0x46, 1, NET_DROP_IP_OPTIONS },
    { "IHL 15 beyond the frame", 14, 0x4f, 1, NET_DROP_TOO_SHORT },
    { "more fragments", 20, 0x60, 1, NET_DROP_IP_FRAGMENT },
    { "fragment offset", 21, 0x01, 1, NET_DROP_IP_FRAGMENT },
    { "total length beyond the frame", 17, 0x28, 1, NET_DROP_IP_LENGTH },
    { "total length below the header", 17, 0x13, 1, NET_DROP_IP_LENGTH },
    { "total length 0x0127", 16, 0x01, 1, NET_DROP_IP_LENGTH },
    { "another destination", 33, 0x10, 1, NET_DROP_IP_NOT_OURS },
    { "broadcast source", 29, 0xff, 1, NET_DROP_IP_SOURCE },
    { "multicast source", 26, 0xe0, 1, NET_DROP_IP_SOURCE },
    { "protocol TCP", 23, 6, 1, NET_DROP_IP_PROTOCOL },
    { "protocol 99", 23, 99, 1, NET_DROP_IP_PROTOCOL },
    { "UDP length beyond the IP payload", 39, 0x14, 0, NET_DROP_UDP_LENGTH },
    { "UDP length below its header", 39, 0x07, 0, NET_DROP_UDP_LENGTH },
    { "UDP checksum", 41, 0xaa, 0, NET_DROP_UDP_CHECKSUM },
    { "UDP data (checksum now wrong)", 45, 'j', 0, NET_DROP_UDP_CHECKSUM },
    { "another MAC", 5, 0x57, 0, NET_DROP_NOT_OUR_MAC },
    { "multicast MAC", 0, 0x01, 0, NET_DROP_NOT_OUR_MAC },
    { "EtherType 0x0801", 13, 0x01, 0, NET_DROP_ETHER_TYPE },
};

UNIT_TEST(net_every_bad_header_is_dropped_with_its_reason)
{
    uint8_t good[NET_FRAME_MAX], frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, good, sizeof good);
    for (uint32_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        const struct bad_header *bad = &bad_headers[i];
        start_guest_knowing_host(&fake, &net);
        UNIT_ASSERT(udp_open(&net, 7, NULL) != NULL);
        memcpy(frame, good, length);
        frame[bad->offset] = (uint8_t)bad->value;
        if (bad->fix_checksum)
            refresh_ip_checksum(frame);
        feed_exact(&net, frame, length);
        unit_check(net.counters.drops[bad->reason] == 1 && input_drops(&net) == 1 &&
                   net.counters.udp_in == 0, __FILE__, __LINE__,
                   "%s: expected one drop %s, got %u of it, %u in all, %u delivered", bad->what,
                   net_drop_name(bad->reason), net.counters.drops[bad->reason],
                   input_drops(&net), net.counters.udp_in);
        UNIT_EXPECT_INT_EQ(fake.out_count, 0);
    }
}

UNIT_TEST(net_every_truncation_of_valid_frames_is_dropped)
{
    const char *frames[] = { linux_udp_hello, linux_echo_request, linux_arp_request };
    uint8_t frame[NET_FRAME_MAX];
    for (uint32_t f = 0; f < 3; f++) {
        uint32_t length = hex_to_bytes(frames[f], frame, sizeof frame);
        start_guest_knowing_host(&fake, &net);
        UNIT_ASSERT(udp_open(&net, 7, NULL) != NULL);
        for (uint32_t cut = 0; cut < length; cut++)
            feed_exact(&net, frame, cut);
        UNIT_EXPECT_INT_EQ(input_drops(&net), length);
        UNIT_EXPECT_INT_EQ(net.counters.frames_accepted, 1);        /* the ARP request at start */
        UNIT_EXPECT_INT_EQ(fake.out_count, 0);
    }
}

UNIT_TEST(net_padded_short_frame_is_read_to_its_ip_length)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX] = { 0 };
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    feed_exact(&net, frame, 60);                        /* padded to Ethernet's 60 bytes */
    UNIT_EXPECT(length < 60);
    char data[32];
    uint32_t ip = 0, stored = 0;
    uint16_t port = 0;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT,
                                        &stored), NET_OK);
    UNIT_EXPECT_INT_EQ(stored, 11);
}

UNIT_TEST(net_other_ether_types_and_long_frames_are_dropped)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    uint8_t frame[NET_FRAME_MAX + 1] = { 0 };
    uint32_t length = hex_to_bytes(linux_ipv6_report, frame, sizeof frame);
    memcpy(frame, guest_mac, NET_MAC_BYTES);            /* to us, so only its type is wrong */
    feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ETHER_TYPE], 1);
    feed_exact(&net, frame, sizeof frame);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_TOO_LONG], 1);
    UNIT_EXPECT_INT_EQ(net.counters.frames_in, 2);
    UNIT_EXPECT_INT_EQ(fake.out_count, 0);
}

UNIT_TEST(net_refused_send_is_counted)
{
    start_guest_knowing_host(&fake, &net);
    fake.refuse_send = 1;
    uint32_t frames_out = net.counters.frames_out;     /* the ARP reply to the host */
    uint8_t request[NET_FRAME_MAX];
    feed_exact(&net, request, hex_to_bytes(linux_echo_request, request, sizeof request));
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_LINK_SEND], 1);
    UNIT_EXPECT_INT_EQ(net.counters.frames_out, frames_out);
    UNIT_EXPECT_INT_EQ(net.counters.frames_accepted, 2);
}

UNIT_TEST(net_names_and_addresses_read_right)
{
    char text[16];
    UNIT_EXPECT_STR_EQ(net_ip_text(NET_IP(10, 0, 2, 15), text), "10.0.2.15");
    UNIT_EXPECT_STR_EQ(net_ip_text(NET_IP(255, 255, 255, 255), text), "255.255.255.255");
    UNIT_EXPECT_STR_EQ(net_ip_text(0, text), "0.0.0.0");
    UNIT_EXPECT_STR_EQ(net_drop_name(NET_DROP_IP_CHECKSUM), "ip-checksum");
    UNIT_EXPECT_STR_EQ(net_drop_name(NET_DROP_REASONS), "unknown");
    UNIT_EXPECT_STR_EQ(net_status_name(NET_TIMED_OUT), "TIMED_OUT");
    for (uint32_t reason = 0; reason < NET_DROP_REASONS; reason++)
        unit_check(strcmp(net_drop_name(reason), "unknown") != 0, __FILE__, __LINE__,
                   "drop reason %u has no name", reason);
    struct net_link link = { .prefix = 24 };
    UNIT_EXPECT_INT_EQ(net_init(&net, &link), NET_E_BAD_ARGUMENT);          /* no functions */
}

UNIT_TEST(net_arp_updates_a_known_neighbour_and_never_learns_a_probe)
{
    start_guest_knowing_host(&fake, &net);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_arp_request, frame, sizeof frame);
    frame[27] = 0x99;                           /* the host's MAC changed (sender MAC) */
    frame[41] = 1;                              /* and it asks for 10.0.2.1, not us */
    feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_ARP_NOT_OURS], 1);
    int updated = 0;
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++)
        updated |= net.arp[i].ip == HOST_IP && net.arp[i].mac[5] == 0x99;
    UNIT_EXPECT(updated);                       /* RFC 826: known senders are merged */
    /* A probe (sender address 0, RFC 5227) for us is answered but learnt as no neighbour. */
    length = hex_to_bytes(linux_arp_request, frame, sizeof frame);
    memset(frame + 28, 0, 4);
    frame[27] = 0x77;
    uint32_t replies = net.counters.arp_replies_out;
    feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.arp_replies_out, replies + 1);
    /* Nor is a sender claiming our own address. */
    length = hex_to_bytes(linux_arp_request, frame, sizeof frame);
    memcpy(frame + 28, (const uint8_t[]){ 10, 0, 2, 15 }, 4);
    feed_exact(&net, frame, length);
    int learnt = 0;
    for (uint32_t i = 0; i < NET_ARP_ENTRIES; i++)
        learnt |= net.arp[i].state != NET_ARP_FREE && (net.arp[i].ip == 0 ||
                                                       net.arp[i].ip == GUEST_IP);
    UNIT_EXPECT(!learnt);
}

UNIT_TEST(net_poll_passes_on_a_link_that_fails)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    /* The fake link fails a wait with no deadline and nothing queued. */
    UNIT_EXPECT_INT_EQ(net_poll(&net, NET_FOREVER), NET_E_LINK);
    UNIT_EXPECT_INT_EQ(net_poll(&net, fake.now_ns + 1000), NET_TIMED_OUT);
}

/* The whole stack is struct net: put back its bytes, as a resume from a checkpoint does (at
 * the same address), and it goes on exactly from there, with no state kept anywhere else. */
UNIT_TEST(net_state_restored_from_its_bytes_goes_on_from_there)
{
    static struct net saved;
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    feed_exact(&net, frame, length);                    /* one datagram queued at the "checkpoint" */
    udp_send_to(socket, NET_IP(10, 0, 2, 77), 9, "x", 1);           /* one waiting for ARP */
    memcpy(&saved, &net, sizeof net);
    for (int i = 0; i < 3; i++)                         /* what the cut erases */
        feed_exact(&net, frame, length);
    udp_close(socket);
    memcpy(&net, &saved, sizeof net);
    UNIT_EXPECT_INT_EQ(net.counters.udp_in, 1);
    char data[16];
    uint32_t ip, stored;
    uint16_t port;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT,
                                        &stored), NET_OK);
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT,
                                        &stored), NET_TIMED_OUT);
    /* The ARP request goes on from the resumed clock: asked again one second later. */
    uint32_t requests = net.counters.arp_requests_out;
    fake.now_ns += 1000000000ull;
    net_timers(&net, fake.now_ns);
    UNIT_EXPECT_INT_EQ(net.counters.arp_requests_out, requests + 1);
}
