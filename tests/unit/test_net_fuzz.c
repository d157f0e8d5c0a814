/* A small fuzz loop over the network stack: thousands of mutated and random frames, none read past its end, every one counted once. */
#include <string.h>
#include "fake_link.h"
#include "unit.h"

enum { FUZZ_FRAMES = 30000 };

static struct net net;
static struct fake_link fake;

/* The test's own xorshift32, so a failure replays from the same seed. */
static uint32_t fuzz_state = 20261202;

static uint32_t fuzz_next(uint32_t limit)
{
    fuzz_state ^= fuzz_state << 13;
    fuzz_state ^= fuzz_state >> 17;
    fuzz_state ^= fuzz_state << 5;
    return fuzz_state % limit;
}

/* A frame to start from: one of Linux's, or random bytes sent to our MAC. */
static uint32_t fuzz_seed_frame(uint8_t *frame)
{
    const char *linux_frames[] = { linux_udp_hello, linux_echo_request, linux_arp_request,
                                   linux_ipv6_report };
    uint32_t pick = fuzz_next(5);
    if (pick == 4) {
        uint32_t length = fuzz_next(NET_FRAME_MAX + 1);
        for (uint32_t i = 0; i < length; i++)
            frame[i] = (uint8_t)fuzz_next(256);
        memcpy(frame, guest_mac, length < NET_MAC_BYTES ? length : NET_MAC_BYTES);
        return length;
    }
    uint32_t length = hex_to_bytes(linux_frames[pick], frame, NET_FRAME_MAX);
    if (pick == 3)
        memcpy(frame, guest_mac, NET_MAC_BYTES);
    return length;
}

/* Rewrites the ICMP or UDP checksum of an IPv4 frame with a 20-byte header, where the lengths
 * it claims fit in the frame; otherwise leaves it. */
static void fuzz_mend_transport_checksum(uint8_t *frame, uint32_t length)
{
    const uint8_t *header = frame + NET_ETHER_HEADER;
    uint8_t *transport = frame + NET_ETHER_HEADER + NET_IP_HEADER;
    uint32_t total = (uint32_t)header[2] << 8 | header[3];
    if (header[0] != 0x45 || total < NET_IP_HEADER + 8 || NET_ETHER_HEADER + total > length)
        return;
    uint32_t message = total - NET_IP_HEADER;
    if (header[9] == 1) {
        transport[2] = transport[3] = 0;
        uint16_t checksum = reference_checksum(transport, message);
        transport[2] = (uint8_t)(checksum >> 8);
        transport[3] = (uint8_t)checksum;
    } else if (header[9] == 17) {
        uint32_t udp_length = (uint32_t)transport[4] << 8 | transport[5];
        if (udp_length < 8 || udp_length > message)
            return;
        static uint8_t pseudo[12 + NET_FRAME_MAX];
        memcpy(pseudo, header + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = 17;
        pseudo[10] = transport[4];
        pseudo[11] = transport[5];
        transport[6] = transport[7] = 0;
        memcpy(pseudo + 12, transport, udp_length);
        uint16_t checksum = reference_checksum(pseudo, 12 + udp_length);
        transport[6] = (uint8_t)(checksum >> 8);
        transport[7] = (uint8_t)checksum;
    }
}

/* Changes a few bytes, the length, or both; often mends the checksums so that the mutation
 * reaches past the IPv4, ICMP and UDP checks instead of stopping at the first. */
static uint32_t fuzz_mutate(uint8_t *frame, uint32_t length)
{
    uint32_t changes = fuzz_next(4);
    for (uint32_t i = 0; i < changes && length; i++)
        frame[fuzz_next(length)] = (uint8_t)fuzz_next(256);
    if (fuzz_next(4) == 0)
        length = fuzz_next(length + 1);
    else if (fuzz_next(8) == 0) {
        uint32_t longer = length + fuzz_next(NET_FRAME_MAX + 2 - length);
        for (uint32_t i = length; i < longer; i++)
            frame[i] = (uint8_t)fuzz_next(256);
        length = longer;
    }
    int ipv4 = length >= NET_ETHER_HEADER + NET_IP_HEADER && frame[12] == 8 && frame[13] == 0;
    if (ipv4 && fuzz_next(2))
        fuzz_mend_transport_checksum(frame, length);
    if (ipv4 && (frame[14] & 0xf) * 4u + NET_ETHER_HEADER <= length && fuzz_next(2))
        refresh_ip_checksum(frame);
    return length;
}

/* Takes what the sockets hold, so their queues do not stay full. */
static void fuzz_drain(struct udp_socket **sockets, uint32_t count)
{
    uint8_t data[NET_UDP_PAYLOAD_MAX];
    uint32_t ip, stored;
    uint16_t port;
    for (uint32_t s = 0; s < count; s++)
        while (udp_receive_from(sockets[s], data, sizeof data, &ip, &port, NET_NO_WAIT,
                                &stored) == NET_OK)
            if (stored > NET_UDP_PAYLOAD_MAX || port == 0)
                unit_check(0, __FILE__, __LINE__, "a datagram of %u bytes from port %u",
                           stored, port);
}

UNIT_TEST(net_fuzzed_frames_are_all_counted_and_never_read_past_their_end)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    struct udp_socket *sockets[] = { udp_open(&net, 7, NULL), udp_open(&net, 40000, NULL) };
    UNIT_ASSERT(sockets[0] != NULL && sockets[1] != NULL);
    static uint8_t frame[NET_FRAME_MAX + 2];
    for (uint32_t i = 0; i < FUZZ_FRAMES; i++) {
        uint32_t length = fuzz_mutate(frame, fuzz_seed_frame(frame));
        if (length <= NET_FRAME_MAX && fuzz_next(8) == 0) {
            fake_link_queue(&fake, frame, length);      /* the link's way in, timers and all */
            UNIT_EXPECT_INT_EQ(net_poll_once(&net, NET_NO_WAIT), NET_OK);
        } else {
            feed_exact(&net, frame, length);
        }
        fake.now_ns += fuzz_next(300000000);            /* ARP's retries come due now and then */
        if (i % 16 == 0)
            fuzz_drain(sockets, 2);
    }
    const struct net_counters *counters = net_counters(&net);
    UNIT_EXPECT_INT_EQ(counters->frames_in, FUZZ_FRAMES);
    UNIT_EXPECT_INT_EQ(counters->frames_accepted + input_drops(&net), counters->frames_in);
    UNIT_EXPECT_INT_EQ(fake.out_malformed, 0);
    /* The loop reached every layer: something accepted of each kind, most reasons seen. */
    UNIT_EXPECT(counters->udp_in > 0 && counters->icmp_echoes > 0 &&
                counters->arp_replies_out > 0 && counters->icmp_unreachables_out > 0);
    uint32_t reasons_seen = 0;
    for (uint32_t reason = 0; reason < NET_DROP_FIRST_OUTPUT; reason++)
        reasons_seen += counters->drops[reason] > 0;
    UNIT_EXPECT(reasons_seen >= NET_DROP_FIRST_OUTPUT - 2);
}
