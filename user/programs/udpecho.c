/* udpecho: answers every UDP datagram to port 7 with the same bytes (RFC 862), on the NIC the kernel gave it; no arguments. */
#include <cairn/user.h>
#include <cairn/net.h>

/*
 * The whole network stack is the variable below: its ARP cache, its socket
 * and its counters persist with the process, so after a power cut udpecho
 * answers again from where its last checkpoint left it, with no restart
 * code. Datagrams that came after that checkpoint are lost, and answers
 * the kernel held for an uncommitted checkpoint are never sent: to the
 * sender both look like packet loss, never like an answer to something it
 * did not send.
 */
enum { UDPECHO_PORT = 7, UDPECHO_REPORT_EVERY = 1000 };

static struct net net;                  /* the stack: ARP cache, the socket, counters */
static uint8_t datagram[NET_UDP_PAYLOAD_MAX];  /* the one being answered */

/* One line per thousand answers, not one per datagram: console output is held like frames. */
static void udpecho_report(uint32_t answered)
{
    const struct net_counters *counters = net_counters(&net);
    uint32_t dropped = 0;
    for (uint32_t reason = 0; reason < NET_DROP_REASONS; reason++)
        dropped += counters->drops[reason];
    printf("udpecho: %u answered; frames in %u, out %u, dropped %u\n", answered,
           counters->frames_in, counters->frames_out, dropped);
}

/* Starts the stack on the NIC and opens port 7; NULL (having said why) when it cannot. */
static struct udp_socket *udpecho_start(void)
{
    struct net_link link;
    uint32_t status = net_nic_link(&link);
    if (status != CAIRN_OK) {
        printf("udpecho: FAILED: no NIC: %s\n", status_name(status));
        return NULL;
    }
    enum net_status net_status = net_init(&net, &link);
    struct udp_socket *socket = NULL;
    if (net_status == NET_OK)
        socket = udp_open(&net, UDPECHO_PORT, &net_status);
    if (!socket) {
        printf("udpecho: FAILED: %s\n", net_status_name(net_status));
        return NULL;
    }
    char ip[16];
    const uint8_t *mac = link.mac;
    printf("udpecho: echoing UDP on %s/%u port %u, MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
           net_ip_text(link.ip, ip), link.prefix, UDPECHO_PORT, mac[0], mac[1], mac[2], mac[3],
           mac[4], mac[5]);
    return socket;
}

int main(void)
{
    struct udp_socket *socket = udpecho_start();
    if (!socket)
        return 1;
    for (uint32_t answered = 0;;) {
        uint32_t ip = 0, length = 0;
        uint16_t port = 0;
        enum net_status status = udp_receive_from(socket, datagram, sizeof datagram, &ip, &port,
                                                  NET_FOREVER, &length);
        if (status != NET_OK) {
            printf("udpecho: FAILED: receive: %s\n", net_status_name(status));
            return 1;
        }
        /* A sender beyond the subnet (there is no gateway) or without a source port (RFC 768:
         * it wants no answer) gets none; a datagram lost on the way out is counted by the
         * stack. Neither stops the service. */
        if (udp_send_to(socket, ip, port, datagram, length) == NET_OK &&
            ++answered % UDPECHO_REPORT_EVERY == 0)
            udpecho_report(answered);
    }
}
