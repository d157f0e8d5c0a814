/* A struct net_link for the host tests: frames queued by the test come in, frames sent are kept, the clock moves only when told. */
#ifndef TESTS_UNIT_FAKE_LINK_H
#define TESTS_UNIT_FAKE_LINK_H

#include <stdint.h>
#include <cairn/net.h>

enum { FAKE_LINK_FRAMES = 8 };

/*
 * receive hands out the queued frames in order; with none queued it moves
 * the clock to the deadline and answers NET_TIMED_OUT, so waits take no real
 * time. A wait without a deadline and nothing queued would never end: it
 * answers NET_E_LINK instead. Every frame sent is checked for a well-formed
 * Ethernet length and, for IPv4, a correct header checksum (the test's own
 * reference_checksum), and the last FAKE_LINK_FRAMES are kept.
 */
struct fake_link {
    uint64_t now_ns;
    uint8_t in[FAKE_LINK_FRAMES][NET_FRAME_MAX];
    uint32_t in_length[FAKE_LINK_FRAMES];
    uint32_t in_first, in_count;
    uint8_t out[FAKE_LINK_FRAMES][NET_FRAME_MAX];
    uint32_t out_length[FAKE_LINK_FRAMES];
    uint32_t out_count;                 /* frames sent since the start; out[] keeps the last */
    uint32_t out_malformed;             /* frames sent with a bad length or IPv4 checksum */
    int refuse_send;                    /* answer NET_E_LINK to send */
};

/* Test addresses: the guest (Cairn) and the host, as in the frames captured from Linux. */
#define GUEST_IP NET_IP(10, 0, 2, 15)
#define HOST_IP NET_IP(10, 0, 2, 2)
extern const uint8_t guest_mac[NET_MAC_BYTES], host_mac[NET_MAC_BYTES];

/*
 * Frames Linux wrote to a tap interface (10.0.2.2, 02:00:00:00:00:02), captured once in a
 * private network namespace: an ARP request for 10.0.2.15; a UDP datagram "hello cairn" from
 * port 40000 to port 7 of 10.0.2.15 (52:54:00:12:34:56); an echo request (identifier 0x1c2a,
 * sequence 1, 40 bytes of data 0x10..0x37); an IPv6 multicast listener report.
 */
extern const char linux_arp_request[], linux_udp_hello[], linux_echo_request[],
    linux_ipv6_report[];

/* Starts net on a fresh fake link with that MAC and address (prefix 24). */
void fake_link_start(struct fake_link *fake, struct net *net, const uint8_t *mac, uint32_t ip);
void fake_link_queue(struct fake_link *fake, const void *frame, uint32_t length);
/* The n-th frame sent (0 = the first since the start); NULL when not kept or not sent. */
const uint8_t *fake_link_sent(const struct fake_link *fake, uint32_t n, uint32_t *length);

/* Starts the guest's stack and lets it learn the host from Linux's ARP request (the way a
 * host's first packet to a guest begins); the fake link's sent frames are then cleared. */
void start_guest_knowing_host(struct fake_link *fake, struct net *net);
/* The same, with a socket open on port 7 (NULL if udp_open failed). */
struct udp_socket *start_guest_on_port_7(struct fake_link *fake, struct net *net);
/* Rewrites the IPv4 header checksum of an Ethernet frame, after a test changed the header. */
void refresh_ip_checksum(uint8_t *frame);

/* RFC 1071 written the plain way, independently of the stack's: the field that makes the
 * bytes sum to 0xffff, or 0 when they already do. */
uint16_t reference_checksum(const uint8_t *bytes, uint32_t length);
/* Hexadecimal text to bytes; returns the count. */
uint32_t hex_to_bytes(const char *hex, uint8_t *bytes, uint32_t size);
/* Hands net_input a heap copy of exactly length bytes, so AddressSanitizer sees any read past
 * the frame. */
void feed_exact(struct net *net, const uint8_t *frame, uint32_t length);
/* Sum of the input drop reasons (those before NET_DROP_FIRST_OUTPUT). */
uint32_t input_drops(const struct net *net);

#endif
