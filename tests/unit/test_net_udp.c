/* Host tests of the network stack's UDP sockets (user/lib/net_udp.c): delivery, sending checked against Linux and an independent checksum, closed ports. */
#include <string.h>
#include "fake_link.h"
#include "unit.h"

static struct net net;
static struct fake_link fake;

/* The guest's ARP reply to the host, for tests in which this stack plays the host. */
static const char guest_arp_reply_to_host[] =
    "020000000002525400123456080600010800060400025254001234560a00020f0200000000020a000202";

UNIT_TEST(net_udp_datagram_to_a_bound_port_is_delivered_with_its_source)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    fake_link_queue(&fake, frame, hex_to_bytes(linux_udp_hello, frame, sizeof frame));
    char data[64];
    uint32_t ip = 0, stored = 0;
    uint16_t port = 0;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_FOREVER,
                                        &stored), NET_OK);
    UNIT_EXPECT_INT_EQ(stored, 11);
    UNIT_EXPECT(memcmp(data, "hello cairn", 11) == 0);
    UNIT_EXPECT_INT_EQ(ip, HOST_IP);
    UNIT_EXPECT_INT_EQ(port, 40000);
    UNIT_EXPECT_INT_EQ(net.counters.udp_in, 1);
    /* Nothing more: a wait with a deadline ends there (the fake clock jumps to it). */
    uint64_t deadline = fake.now_ns + 5000000;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, deadline,
                                        &stored), NET_TIMED_OUT);
    UNIT_EXPECT_INT_EQ(fake.now_ns, deadline);
}

UNIT_TEST(net_udp_receive_cuts_a_datagram_to_the_buffer)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    feed_exact(&net, frame, hex_to_bytes(linux_udp_hello, frame, sizeof frame));
    char data[5];
    uint32_t ip = 0, stored = 0;
    uint16_t port = 0;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT,
                                        &stored), NET_OK);
    UNIT_EXPECT_INT_EQ(stored, 5);
    UNIT_EXPECT(memcmp(data, "hello", 5) == 0);
}

UNIT_TEST(net_udp_send_makes_the_frame_linux_made)
{
    /* The roles reversed: this stack is the host 10.0.2.2 and sends what Linux sent. */
    fake_link_start(&fake, &net, host_mac, HOST_IP);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    uint8_t arp_reply[42];
    hex_to_bytes(guest_arp_reply_to_host, arp_reply, sizeof arp_reply);
    feed_exact(&net, arp_reply, sizeof arp_reply);      /* to us, so learnt (RFC 826) */
    struct udp_socket *socket = udp_open(&net, 40000, NULL);
    UNIT_ASSERT(socket != NULL);
    net.next_ip_id = 0x16b9;                            /* Linux's identification */
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, GUEST_IP, 7, "hello cairn", 11), NET_OK);
    uint32_t sent_length = 0;
    const uint8_t *sent = fake_link_sent(&fake, 0, &sent_length);
    UNIT_ASSERT(sent != NULL);
    UNIT_EXPECT_INT_EQ(sent_length, length);
    UNIT_EXPECT(memcmp(sent, frame, length) == 0);
    UNIT_EXPECT_INT_EQ(net.counters.udp_out, 1);
    UNIT_EXPECT_INT_EQ(fake.out_count, 1);             /* no ARP request went first */
}

/* The UDP checksum over the pseudo-header, computed apart from the stack. */
static uint16_t reference_udp_checksum(const uint8_t *ip_header, const uint8_t *udp,
                                       uint32_t length)
{
    static uint8_t bytes[12 + NET_FRAME_MAX];
    memcpy(bytes, ip_header + 12, 8);
    bytes[8] = 0;
    bytes[9] = 17;
    bytes[10] = (uint8_t)(length >> 8);
    bytes[11] = (uint8_t)length;
    memcpy(bytes + 12, udp, length);
    return reference_checksum(bytes, 12 + length);
}

UNIT_TEST(net_udp_send_writes_right_headers_and_checksums_at_every_size)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    static uint8_t data[NET_UDP_PAYLOAD_MAX + 1];
    for (uint32_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    uint32_t sizes[] = { 0, 1, 2, 11, 255, 1000, 1471, NET_UDP_PAYLOAD_MAX };
    for (uint32_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t size = sizes[s], length = 0;
        UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 40000 + s, data, size), NET_OK);
        const uint8_t *frame = fake_link_sent(&fake, s, &length);
        UNIT_ASSERT(frame != NULL);
        UNIT_EXPECT_INT_EQ(length, 42 + size);
        UNIT_EXPECT(memcmp(frame, host_mac, NET_MAC_BYTES) == 0);
        UNIT_EXPECT(frame[12] == 0x08 && frame[13] == 0x00);
        UNIT_EXPECT_INT_EQ(reference_checksum(frame + 14, 20), 0);
        UNIT_EXPECT_INT_EQ(frame[16] << 8 | frame[17], 28 + size);
        UNIT_EXPECT_INT_EQ(frame[9 + 14], 17);
        const uint8_t *udp = frame + 34;
        UNIT_EXPECT_INT_EQ(udp[0] << 8 | udp[1], 7);
        UNIT_EXPECT_INT_EQ(udp[2] << 8 | udp[3], 40000 + s);
        UNIT_EXPECT_INT_EQ(udp[4] << 8 | udp[5], 8 + size);
        UNIT_EXPECT(udp[6] | udp[7]);                   /* always sent with a checksum */
        UNIT_EXPECT_INT_EQ(reference_udp_checksum(frame + 14, udp, 8 + size), 0);
        UNIT_EXPECT(memcmp(udp + 8, data, size) == 0);
    }
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 9, data, NET_UDP_PAYLOAD_MAX + 1),
                       NET_E_TOO_BIG);
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, NET_IP(10, 0, 3, 1), 9, data, 1), NET_E_NO_ROUTE);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_NO_ROUTE], 1);
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, HOST_IP, 0, data, 1), NET_E_BAD_ARGUMENT);
    UNIT_EXPECT_INT_EQ(fake.out_malformed, 0);
}

UNIT_TEST(net_udp_datagram_without_checksum_is_accepted)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    frame[40] = frame[41] = 0;                          /* "no checksum computed" */
    feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.udp_in, 1);
}

UNIT_TEST(net_udp_to_a_closed_port_is_counted_and_answered_port_unreachable)
{
    start_guest_knowing_host(&fake, &net);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    feed_exact(&net, frame, length);                    /* no socket on port 7 */
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_UDP_NO_PORT], 1);
    UNIT_EXPECT_INT_EQ(net.counters.icmp_unreachables_out, 1);
    uint32_t sent_length = 0;
    const uint8_t *sent = fake_link_sent(&fake, 0, &sent_length);
    UNIT_ASSERT(sent != NULL);
    UNIT_EXPECT_INT_EQ(sent_length, 34 + 8 + 28);       /* quotes the IPv4 header and 8 bytes */
    UNIT_EXPECT_INT_EQ(sent[23], 1);
    const uint8_t *message = sent + 34;
    UNIT_EXPECT(message[0] == 3 && message[1] == 3);
    UNIT_EXPECT_INT_EQ(reference_checksum(message, 36), 0);
    UNIT_EXPECT(memcmp(message + 8, frame + 14, 28) == 0);
    /* To the broadcast address: counted, never answered (RFC 1122). */
    frame[33] = 255;
    refresh_ip_checksum(frame);
    frame[40] = frame[41] = 0;
    feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_UDP_NO_PORT], 2);
    UNIT_EXPECT_INT_EQ(fake.out_count, 1);
}

UNIT_TEST(net_udp_full_queue_drops_and_counts)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    for (uint32_t i = 0; i < NET_UDP_QUEUE + 2; i++)
        feed_exact(&net, frame, length);
    UNIT_EXPECT_INT_EQ(net.counters.udp_in, NET_UDP_QUEUE);
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_UDP_QUEUE_FULL], 2);
    char data[16];
    uint32_t ip, stored, taken = 0;
    uint16_t port;
    while (udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT, &stored) == NET_OK)
        taken++;
    UNIT_EXPECT_INT_EQ(taken, NET_UDP_QUEUE);
}

UNIT_TEST(net_udp_open_refuses_a_taken_port_and_runs_out_of_sockets)
{
    fake_link_start(&fake, &net, guest_mac, GUEST_IP);
    enum net_status status = NET_OK;
    struct udp_socket *seven = udp_open(&net, 7, &status);
    UNIT_EXPECT(seven != NULL && status == NET_OK);
    UNIT_EXPECT(udp_open(&net, 7, &status) == NULL);
    UNIT_EXPECT_INT_EQ(status, NET_E_PORT_IN_USE);
    struct udp_socket *any = udp_open(&net, 0, &status);
    UNIT_ASSERT(any != NULL);
    UNIT_EXPECT_INT_EQ(any->port, 49152);
    for (uint32_t i = 2; i < NET_UDP_SOCKETS; i++)
        UNIT_EXPECT(udp_open(&net, 0, NULL) != NULL);
    UNIT_EXPECT(udp_open(&net, 9, &status) == NULL);
    UNIT_EXPECT_INT_EQ(status, NET_E_NO_SOCKET);
    udp_close(seven);
    UNIT_EXPECT(udp_open(&net, 9, &status) != NULL);
    /* A closed port is closed to the network too. */
    uint8_t frame[NET_FRAME_MAX];
    feed_exact(&net, frame, hex_to_bytes(linux_udp_hello, frame, sizeof frame));
    UNIT_EXPECT_INT_EQ(net.counters.drops[NET_DROP_UDP_NO_PORT], 1);
}

/* What udpecho does, over the fake link: every datagram, of every size up to the MTU, comes
 * back to its sender with the same bytes. */
UNIT_TEST(net_udp_echo_loop_answers_every_datagram_up_to_the_mtu)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    static uint8_t frame[NET_FRAME_MAX], data[NET_UDP_PAYLOAD_MAX];
    uint32_t sizes[] = { 0, 1, 11, 512, 1000, NET_UDP_PAYLOAD_MAX - 1, NET_UDP_PAYLOAD_MAX };
    uint32_t count = sizeof sizes / sizeof sizes[0];
    for (uint32_t s = 0; s < count; s++) {
        /* The host's datagram: built by the stack itself playing the host, then fed in. */
        static struct net host;
        static struct fake_link host_link;
        fake_link_start(&host_link, &host, host_mac, HOST_IP);
        uint8_t arp_reply[42];
        hex_to_bytes(guest_arp_reply_to_host, arp_reply, sizeof arp_reply);
        feed_exact(&host, arp_reply, sizeof arp_reply);
        struct udp_socket *client = udp_open(&host, (uint16_t)(50000 + s), NULL);
        UNIT_ASSERT(client != NULL);
        for (uint32_t i = 0; i < sizes[s]; i++)
            data[i] = (uint8_t)(i ^ s);
        udp_send_to(client, GUEST_IP, 7, data, sizes[s]);
        uint32_t length = 0;
        const uint8_t *sent = fake_link_sent(&host_link, 0, &length);
        UNIT_ASSERT(sent != NULL);
        memcpy(frame, sent, length);
        fake_link_queue(&fake, frame, length);
        /* The guest's loop: receive, send back. */
        uint32_t ip = 0, stored = 0;
        uint16_t port = 0;
        UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_FOREVER,
                                            &stored), NET_OK);
        UNIT_EXPECT_INT_EQ(udp_send_to(socket, ip, port, data, stored), NET_OK);
        /* The answer, fed to the host's stack, reaches the client whole. */
        const uint8_t *answer = fake_link_sent(&fake, s, &length);
        UNIT_ASSERT(answer != NULL);
        feed_exact(&host, answer, length);
        static uint8_t echoed[NET_UDP_PAYLOAD_MAX];
        UNIT_EXPECT_INT_EQ(udp_receive_from(client, echoed, sizeof echoed, &ip, &port,
                                            NET_NO_WAIT, &stored), NET_OK);
        UNIT_EXPECT_INT_EQ(stored, sizes[s]);
        UNIT_EXPECT_INT_EQ(ip, GUEST_IP);
        UNIT_EXPECT_INT_EQ(port, 7);
        for (uint32_t i = 0; i < sizes[s]; i++)
            if (echoed[i] != (uint8_t)(i ^ s)) {
                unit_check(0, __FILE__, __LINE__, "size %u: byte %u differs", sizes[s], i);
                break;
            }
    }
    UNIT_EXPECT_INT_EQ(net.counters.udp_in, count);
    UNIT_EXPECT_INT_EQ(net.counters.udp_out, count);
    UNIT_EXPECT_INT_EQ(input_drops(&net), 0);
}

UNIT_TEST(net_udp_datagram_from_port_0_is_delivered_and_cannot_be_answered)
{
    struct udp_socket *socket = start_guest_on_port_7(&fake, &net);
    UNIT_ASSERT(socket != NULL);
    uint8_t frame[NET_FRAME_MAX];
    uint32_t length = hex_to_bytes(linux_udp_hello, frame, sizeof frame);
    frame[34] = frame[35] = 0;                          /* RFC 768: no source port */
    frame[40] = frame[41] = 0;
    feed_exact(&net, frame, length);
    char data[16];
    uint32_t ip, stored;
    uint16_t port = 1;
    UNIT_EXPECT_INT_EQ(udp_receive_from(socket, data, sizeof data, &ip, &port, NET_NO_WAIT,
                                        &stored), NET_OK);
    UNIT_EXPECT_INT_EQ(port, 0);
    UNIT_EXPECT_INT_EQ(udp_send_to(socket, ip, port, data, stored), NET_E_BAD_ARGUMENT);
    UNIT_EXPECT_INT_EQ(fake.out_count, 0);
}
