/* UDP (RFC 768): datagram sockets on ports, each with a small queue of what arrived for it. */
#include "net_internal.h"

/*
 * The header: source port, destination port, length (header and data),
 * checksum over the pseudo-header, header and data. A checksum of 0 means
 * the sender computed none (allowed over IPv4), so it is checked only when
 * non-zero; one that sums to 0 is sent as 0xffff, its other form.
 *
 * A socket's queue is a ring of NET_UDP_QUEUE datagrams; one arriving when
 * it is full is dropped and counted, as a full socket buffer drops it on
 * any system.
 */
enum { UDP_FIRST_EPHEMERAL_PORT = 49152 };

static struct udp_socket *net_udp_find(struct net *net, uint16_t port)
{
    for (uint32_t i = 0; i < NET_UDP_SOCKETS; i++)
        if (net->udp[i].port == port)
            return &net->udp[i];
    return NULL;
}

/* The next port from 49152 on that no socket holds (there are more ports than sockets). */
static uint16_t net_udp_free_port(struct net *net)
{
    for (;;) {
        uint16_t port = net->next_ephemeral_port;
        net->next_ephemeral_port = port == 0xffff ? UDP_FIRST_EPHEMERAL_PORT : port + 1;
        if (!net_udp_find(net, port))
            return port;
    }
}

struct udp_socket *udp_open(struct net *net, uint16_t port, enum net_status *status)
{
    enum net_status result = NET_OK;
    struct udp_socket *socket = NULL;
    if (port && net_udp_find(net, port))
        result = NET_E_PORT_IN_USE;
    else if (!(socket = net_udp_find(net, 0)))
        result = NET_E_NO_SOCKET;
    else {
        socket->port = port ? port : net_udp_free_port(net);
        socket->first = socket->count = 0;
    }
    if (status)
        *status = result;
    return socket;
}

void udp_close(struct udp_socket *socket)
{
    socket->port = 0;
    socket->count = 0;
}

/* The checksum field for a datagram of length bytes at udp (its own field counted as 0). */
static uint16_t net_udp_checksum(uint32_t source, uint32_t destination, const uint8_t *udp,
                                 uint32_t length)
{
    uint32_t sum = net_ip_pseudo_sum(source, destination, NET_PROTOCOL_UDP, length);
    sum = net_checksum_add(sum, udp, 6);
    sum = net_checksum_add(sum, udp + 8, length - NET_UDP_HEADER);
    uint16_t checksum = net_checksum_finish(sum);
    return checksum ? checksum : 0xffff;
}

enum net_status udp_send_to(struct udp_socket *socket, uint32_t ip, uint16_t port,
                            const void *data, uint32_t length)
{
    struct net *net = socket->net;
    if (!socket->port || !port)
        return NET_E_BAD_ARGUMENT;
    if (length > NET_UDP_PAYLOAD_MAX)
        return NET_E_TOO_BIG;
    uint8_t *udp = net->send_frame + NET_TRANSPORT_OFFSET;
    uint32_t udp_length = NET_UDP_HEADER + length;
    net_put16(udp, socket->port);
    net_put16(udp + 2, port);
    net_put16(udp + 4, udp_length);
    memcpy(udp + NET_UDP_HEADER, data, length);
    net_put16(udp + 6, net_udp_checksum(net->link.ip, ip, udp, udp_length));
    enum net_status status = net_ip_send(net, ip, NET_PROTOCOL_UDP, udp_length);
    if (status == NET_OK)
        net->counters.udp_out++;
    return status;
}

/* Puts a checked datagram at the end of the socket's queue. */
static uint32_t net_udp_enqueue(struct net *net, struct udp_socket *socket, uint32_t ip,
                                uint16_t port, const uint8_t *data, uint32_t length)
{
    if (socket->count == NET_UDP_QUEUE)
        return NET_DROP_UDP_QUEUE_FULL;
    struct net_datagram *datagram = &socket->queue[(socket->first + socket->count) % NET_UDP_QUEUE];
    datagram->ip = ip;
    datagram->port = port;
    datagram->length = (uint16_t)length;
    memcpy(datagram->data, data, length);
    socket->count++;
    net->counters.udp_in++;
    return NET_ACCEPTED;
}

uint32_t net_udp_input(struct net *net, const uint8_t *header, const uint8_t *udp,
                       uint32_t length)
{
    if (length < NET_UDP_HEADER)
        return NET_DROP_TOO_SHORT;
    uint32_t udp_length = net_get16(udp + 4), checksum = net_get16(udp + 6);
    if (udp_length < NET_UDP_HEADER || udp_length > length)
        return NET_DROP_UDP_LENGTH;
    uint32_t source = net_get32(header + 12), destination = net_get32(header + 16);
    if (checksum && net_udp_checksum(source, destination, udp, udp_length) != checksum)
        return NET_DROP_UDP_CHECKSUM;
    uint16_t port = net_get16(udp + 2);
    /* No socket is on port 0: net_udp_find(net, 0) would find a closed one. */
    struct udp_socket *socket = port ? net_udp_find(net, port) : NULL;
    if (!socket) {
        net_icmp_port_unreachable(net, header, NET_IP_HEADER + length);
        return NET_DROP_UDP_NO_PORT;
    }
    return net_udp_enqueue(net, socket, source, net_get16(udp), udp + NET_UDP_HEADER,
                           udp_length - NET_UDP_HEADER);
}

enum net_status udp_receive_from(struct udp_socket *socket, void *buffer, uint32_t size,
                                 uint32_t *ip, uint16_t *port, uint64_t deadline_ns,
                                 uint32_t *length)
{
    while (socket->count == 0) {
        if (!socket->port)
            return NET_E_BAD_ARGUMENT;
        enum net_status status = net_poll_once(socket->net, deadline_ns);
        if (status != NET_OK)
            return status;
    }
    struct net_datagram *datagram = &socket->queue[socket->first];
    uint32_t stored = datagram->length < size ? datagram->length : size;
    memcpy(buffer, datagram->data, stored);
    *ip = datagram->ip;
    *port = datagram->port;
    *length = stored;
    socket->first = (uint8_t)((socket->first + 1) % NET_UDP_QUEUE);
    socket->count--;
    return NET_OK;
}
