/* net-tap-echo: the user network stack (user/lib/net*.c) on a Linux tap interface, serving as udpecho does, so Linux itself can talk to it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <cairn/net.h>

/*
 *   net-tap-echo IFNAME SECONDS
 *
 * Creates the tap interface IFNAME, runs the stack on it as 10.0.2.15/24
 * with the MAC 52:54:00:12:34:56 and answers UDP on port 7 with the same
 * bytes (pings are answered by the stack itself), until a datagram comes to
 * port 9 or SECONDS have passed; then prints its counters and exits 0.
 * "net-tap-echo: ready" says the interface exists.
 *
 * It is for tests/test_net_tap.py, which runs it in a network namespace of
 * its own: Linux's ARP, ICMP and UDP then check this stack's frames (Linux
 * drops a UDP datagram whose checksum is wrong, so an echo that comes back
 * proves it right) before the NIC of issue 18 exists in the kernel. The
 * link is the same struct net_link a Cairn program gets from net_nic_link.
 */

static uint64_t tap_now(void *context)
{
    (void)context;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static enum net_status tap_send(void *context, const void *frame, uint32_t length)
{
    int fd = *(int *)context;
    return write(fd, frame, length) == (ssize_t)length ? NET_OK : NET_E_LINK;
}

/* Waits for the tap to be readable until the deadline, then reads one frame. */
static enum net_status tap_receive(void *context, void *buffer, uint32_t size,
                                   uint64_t deadline_ns, uint32_t *length)
{
    int fd = *(int *)context;
    for (;;) {
        uint64_t now = tap_now(NULL);
        int timeout_ms = -1;
        if (deadline_ns != NET_FOREVER)
            timeout_ms = deadline_ns <= now ? 0 : (int)((deadline_ns - now + 999999) / 1000000);
        struct pollfd ready = { .fd = fd, .events = POLLIN };
        int count = poll(&ready, 1, timeout_ms);
        if (count < 0 && errno != EINTR)
            return NET_E_LINK;
        if (count > 0) {
            ssize_t got = read(fd, buffer, size);
            if (got < 0)
                return NET_E_LINK;
            *length = (uint32_t)got;
            return NET_OK;
        }
        if (count == 0 && tap_now(NULL) >= deadline_ns)
            return NET_TIMED_OUT;
    }
}

static int tap_open(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0)
        return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(request.ifr_name, sizeof request.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void print_counters(const struct net *net)
{
    const struct net_counters *counters = net_counters(net);
    printf("net-tap-echo: frames in %u accepted %u out %u; arp requests in %u replies out %u; "
           "icmp echoes %u; udp in %u out %u\n", counters->frames_in, counters->frames_accepted,
           counters->frames_out, counters->arp_requests_in, counters->arp_replies_out,
           counters->icmp_echoes, counters->udp_in, counters->udp_out);
    for (uint32_t reason = 0; reason < NET_DROP_REASONS; reason++)
        if (counters->drops[reason])
            printf("net-tap-echo: dropped %s %u\n", net_drop_name(reason),
                   counters->drops[reason]);
}

int main(int argc, char **argv)
{
    static struct net net;
    static uint8_t datagram[NET_UDP_PAYLOAD_MAX];
    if (argc != 3) {
        fprintf(stderr, "usage: net-tap-echo IFNAME SECONDS\n");
        return 2;
    }
    int fd = tap_open(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "net-tap-echo: cannot make tap %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct net_link link = { .context = &fd, .send = tap_send, .receive = tap_receive,
                             .now = tap_now, .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
                             .ip = NET_IP(10, 0, 2, 15), .prefix = 24 };
    struct udp_socket *echo = net_init(&net, &link) == NET_OK ? udp_open(&net, 7, NULL) : NULL;
    struct udp_socket *stop = echo ? udp_open(&net, 9, NULL) : NULL;
    if (!stop)
        return 1;
    printf("net-tap-echo: ready\n");
    fflush(stdout);
    uint64_t end = tap_now(NULL) + strtoull(argv[2], NULL, 10) * 1000000000ull;
    while (stop->count == 0) {
        uint32_t ip = 0, length = 0;
        uint16_t port = 0;
        /* A short wait, so that a datagram to port 9 is seen soon. */
        uint64_t deadline = tap_now(NULL) + 100000000ull;
        enum net_status status = udp_receive_from(echo, datagram, sizeof datagram, &ip, &port,
                                                  deadline < end ? deadline : end, &length);
        if (status == NET_TIMED_OUT && tap_now(NULL) >= end)
            break;
        if (status == NET_OK)
            udp_send_to(echo, ip, port, datagram, length);
        else if (status != NET_TIMED_OUT) {
            printf("net-tap-echo: FAILED: %s\n", net_status_name(status));
            return 1;
        }
    }
    print_counters(&net);
    return 0;
}
