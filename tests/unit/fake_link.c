/* The host tests' fake link and the helpers of the network tests (fake_link.h). */
#include <stdlib.h>
#include <string.h>
#include "fake_link.h"

const uint8_t guest_mac[NET_MAC_BYTES] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t host_mac[NET_MAC_BYTES] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

const char linux_arp_request[] =
    "ffffffffffff020000000002080600010800060400010200000000020a0002020000000000000a00020f";
const char linux_udp_hello[] =
    "52540012345602000000000208004500002716b9400040110bfd0a0002020a00020f9c4000070013cca9"
    "68656c6c6f20636169726e";
const char linux_echo_request[] =
    "525400123456020000000002080045000044613040004001c1780a0002020a00020f08001d021c2a0001"
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";
const char linux_ipv6_report[] =
    "33330000000202000000000286dd6000000000103afffe80000000000000000000fffe000002ff020000"
    "00000000000000000000000285007b2a000000000101020000000002";

uint16_t reference_checksum(const uint8_t *bytes, uint32_t length)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < length; i += 2)
        sum += (uint32_t)bytes[i] << 8 | (i + 1 < length ? bytes[i + 1] : 0);
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)(0xffff - sum);
}

static int fake_frame_well_formed(const uint8_t *frame, uint32_t length)
{
    if (length < NET_ETHER_HEADER || length > NET_FRAME_MAX)
        return 0;
    if (frame[12] != 0x08 || frame[13] != 0x00)
        return 1;
    return length >= NET_ETHER_HEADER + NET_IP_HEADER &&
           reference_checksum(frame + NET_ETHER_HEADER, NET_IP_HEADER) == 0;
}

static enum net_status fake_send(void *context, const void *frame, uint32_t length)
{
    struct fake_link *fake = context;
    if (fake->refuse_send)
        return NET_E_LINK;
    if (!fake_frame_well_formed(frame, length)) {
        fake->out_malformed++;
        return NET_OK;
    }
    uint32_t slot = fake->out_count++ % FAKE_LINK_FRAMES;
    memcpy(fake->out[slot], frame, length);
    fake->out_length[slot] = length;
    return NET_OK;
}

static enum net_status fake_receive(void *context, void *buffer, uint32_t size,
                                    uint64_t deadline_ns, uint32_t *length)
{
    struct fake_link *fake = context;
    if (fake->in_count == 0) {
        if (deadline_ns == NET_FOREVER)
            return NET_E_LINK;
        if (deadline_ns > fake->now_ns)
            fake->now_ns = deadline_ns;
        return NET_TIMED_OUT;
    }
    uint32_t slot = fake->in_first;
    *length = fake->in_length[slot] < size ? fake->in_length[slot] : size;
    memcpy(buffer, fake->in[slot], *length);
    fake->in_first = (slot + 1) % FAKE_LINK_FRAMES;
    fake->in_count--;
    return NET_OK;
}

static uint64_t fake_now(void *context)
{
    return ((struct fake_link *)context)->now_ns;
}

void fake_link_start(struct fake_link *fake, struct net *net, const uint8_t *mac, uint32_t ip)
{
    memset(fake, 0, sizeof *fake);
    fake->now_ns = 1000000000ull;       /* a clock that has run a while, as after a boot */
    struct net_link link = { .context = fake, .send = fake_send, .receive = fake_receive,
                             .now = fake_now, .ip = ip, .prefix = 24 };
    memcpy(link.mac, mac, NET_MAC_BYTES);
    net_init(net, &link);
}

void fake_link_queue(struct fake_link *fake, const void *frame, uint32_t length)
{
    if (fake->in_count == FAKE_LINK_FRAMES || length > NET_FRAME_MAX)
        abort();                        /* a test that queues more is wrong */
    uint32_t slot = (fake->in_first + fake->in_count++) % FAKE_LINK_FRAMES;
    memcpy(fake->in[slot], frame, length);
    fake->in_length[slot] = length;
}

const uint8_t *fake_link_sent(const struct fake_link *fake, uint32_t n, uint32_t *length)
{
    if (n >= fake->out_count || fake->out_count - n > FAKE_LINK_FRAMES)
        return NULL;
    *length = fake->out_length[n % FAKE_LINK_FRAMES];
    return fake->out[n % FAKE_LINK_FRAMES];
}

uint32_t hex_to_bytes(const char *hex, uint8_t *bytes, uint32_t size)
{
    uint32_t count = 0;
    for (; hex[0] && hex[1] && count < size; hex += 2) {
        char pair[3] = { hex[0], hex[1], 0 };
        bytes[count++] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return count;
}

void feed_exact(struct net *net, const uint8_t *frame, uint32_t length)
{
    uint8_t *copy = malloc(length ? length : 1);
    if (!copy)
        abort();
    memcpy(copy, frame, length);
    net_input(net, copy, length);
    free(copy);
}

uint32_t input_drops(const struct net *net)
{
    uint32_t sum = 0;
    for (uint32_t reason = 0; reason < NET_DROP_FIRST_OUTPUT; reason++)
        sum += net->counters.drops[reason];
    return sum;
}

void start_guest_knowing_host(struct fake_link *fake, struct net *net)
{
    uint8_t frame[NET_FRAME_MAX];
    fake_link_start(fake, net, guest_mac, GUEST_IP);
    feed_exact(net, frame, hex_to_bytes(linux_arp_request, frame, sizeof frame));
    fake->out_count = 0;
}

struct udp_socket *start_guest_on_port_7(struct fake_link *fake, struct net *net)
{
    start_guest_knowing_host(fake, net);
    return udp_open(net, 7, NULL);
}

void refresh_ip_checksum(uint8_t *frame)
{
    uint8_t *header = frame + NET_ETHER_HEADER;
    uint32_t header_length = (header[0] & 0xf) * 4u;
    header[10] = header[11] = 0;
    uint16_t checksum = reference_checksum(header, header_length);
    header[10] = (uint8_t)(checksum >> 8);
    header[11] = (uint8_t)checksum;
}
