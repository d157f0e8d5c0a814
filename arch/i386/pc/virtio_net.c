/* The legacy virtio-net driver: PCI 1AF4:1000, a receive and a transmit queue, INTx, the MAC from the device. */
/*
 * Queue 0 receives, queue 1 transmits (virtio 0.9.5, no feature but MAC is
 * taken, so every buffer starts with the 10-byte legacy header and frames
 * are at most 1514 bytes). Each buffer is a chain of two descriptors, header
 * then frame, since a legacy device without ANY_LAYOUT wants them apart:
 *
 *   receive   RX_BUFFERS buffers, all posted at boot; the interrupt hands each
 *             filled one to the kernel (nic_receive_fn copies the frame out)
 *             and posts it again
 *   transmit  TX_BUFFERS buffers; transmit copies a frame into a free one and
 *             posts it; the interrupt frees the buffers the device has sent
 *
 * Buffers and rings are driver state, made at every boot in DMA-able frames
 * and never part of a checkpoint. Interrupts as in virtio_blk.c: the handler
 * reads ISR (dropping INTx) and then drains both used rings; transmit runs
 * with interrupts off while it touches the transmit queue.
 */
#include <stddef.h>
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/nic.h>
#include <arch/pci.h>
#include <arch/virtio.h>
#include <kernel/klog.h>
#include <kernel/memory.h>
#include <kernel/string.h>

enum {
    VIRTIO_NET_LEGACY_DEVICE_ID = 0x1000,
    VIRTIO_NET_F_MAC = 1 << 5,
    VIRTIO_NET_MAC = VIRTIO_DEVICE_CONFIG,      /* 6 bytes, when VIRTIO_NET_F_MAC */
    VIRTIO_NET_RECEIVE_QUEUE = 0,
    VIRTIO_NET_TRANSMIT_QUEUE = 1,
    NET_FRAME_MAX = 1514,                       /* Ethernet header and payload, no FCS */
    RX_BUFFERS = 32,
    TX_BUFFERS = 32,
    NO_BUFFER = 0xFF,
};

/* The legacy header before every frame; all zero: no checksum offload, no segmentation. */
struct virtio_net_header {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t header_length;
    uint16_t gso_size;
    uint16_t checksum_start;
    uint16_t checksum_offset;
};
_Static_assert(sizeof(struct virtio_net_header) == 10, "the legacy virtio-net header is 10 bytes");

struct net_buffer {
    struct virtio_net_header header;
    uint8_t pad[6];
    uint8_t frame[NET_FRAME_MAX + 18];          /* 1532: a frame and room to spare */
};

struct virtio_net {
    struct nic_device nic;
    struct virtio_device virtio;
    struct virtqueue receive, transmit;
    struct net_buffer *rx_buffers, *tx_buffers;     /* RX_BUFFERS, TX_BUFFERS */
    uint8_t *rx_of_head, *tx_of_head;   /* per descriptor: the buffer its chain carries */
    uint32_t tx_free;                   /* bit i: transmit buffer i is free */
    nic_receive_fn deliver;
};

/* The one virtio-net card the kernel drives. */
static struct virtio_net virtio_net_card;

/* Posts receive buffer index as a chain of header and frame, both for the device to write. */
static void virtio_net_post_receive(struct virtio_net *card, uint32_t index)
{
    struct net_buffer *buffer = &card->rx_buffers[index];
    uint16_t head = virtqueue_chain_append(&card->receive, -1, &buffer->header,
                                           sizeof(buffer->header),
                                           VIRTQ_DESCRIPTOR_DEVICE_WRITES);
    virtqueue_chain_append(&card->receive, head, buffer->frame, sizeof(buffer->frame),
                           VIRTQ_DESCRIPTOR_DEVICE_WRITES);
    card->rx_of_head[head] = (uint8_t)index;
    virtqueue_publish(&card->receive, head);
}

/* Both queues, their buffers, and every receive buffer posted. */
static int virtio_net_setup_queues(struct virtio_net *card)
{
    if (!virtqueue_setup(&card->receive, &card->virtio, VIRTIO_NET_RECEIVE_QUEUE) ||
        !virtqueue_setup(&card->transmit, &card->virtio, VIRTIO_NET_TRANSMIT_QUEUE))
        return 0;
    if (card->receive.size < 2 * RX_BUFFERS || card->transmit.size < 2 * TX_BUFFERS) {
        klog(KLOG_WARNING, "virtio-net: queues of %u and %u entries, fewer than %u; not used",
             card->receive.size, card->transmit.size, 2 * RX_BUFFERS);
        return 0;
    }
    uint32_t buffer_bytes = (RX_BUFFERS + TX_BUFFERS) * (uint32_t)sizeof(struct net_buffer);
    uint32_t table_bytes = (uint32_t)card->receive.size + card->transmit.size;
    uint8_t *memory = virtio_frames((buffer_bytes + table_bytes + FRAME_SIZE - 1) / FRAME_SIZE);
    if (!memory) {
        klog(KLOG_WARNING, "virtio-net: no memory for its buffers; not used");
        return 0;
    }
    card->rx_buffers = (struct net_buffer *)memory;
    card->tx_buffers = card->rx_buffers + RX_BUFFERS;
    card->rx_of_head = memory + buffer_bytes;
    card->tx_of_head = card->rx_of_head + card->receive.size;
    memset(card->tx_of_head, NO_BUFFER, card->transmit.size);
    card->tx_free = TX_BUFFERS == 32 ? 0xFFFFFFFFu : (1u << TX_BUFFERS) - 1;
    for (uint32_t i = 0; i < RX_BUFFERS; i++)
        virtio_net_post_receive(card, i);
    return 1;
}

/* The device's MAC when it gives one; else a fixed locally administered one, said in the log. */
static void virtio_net_read_mac(struct virtio_net *card, uint32_t features)
{
    static const uint8_t fallback[NIC_MAC_SIZE] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
    for (uint16_t i = 0; i < NIC_MAC_SIZE; i++)
        card->nic.mac[i] = features & VIRTIO_NET_F_MAC
                           ? virtio_config8(&card->virtio, (uint16_t)(VIRTIO_NET_MAC + i))
                           : fallback[i];
    if (!(features & VIRTIO_NET_F_MAC))
        klog(KLOG_WARNING, "virtio-net: the device gives no MAC address; using 52:54:00:00:00:01");
}

/* Hands every filled receive buffer to the kernel and posts it again. */
static void virtio_net_drain_receive(struct virtio_net *card)
{
    uint32_t head, length;
    int posted = 0;
    while (virtqueue_next_used(&card->receive, &head, &length)) {
        if (head >= card->receive.size || card->rx_of_head[head] >= RX_BUFFERS) {
            klog(KLOG_ERROR, "virtio-net: the device returned receive descriptor %u, which "
                 "heads no buffer; ignored", head);
            continue;
        }
        uint32_t index = card->rx_of_head[head];
        card->rx_of_head[head] = NO_BUFFER;
        virtqueue_free_chain(&card->receive, (uint16_t)head);
        uint32_t bytes = length > sizeof(struct virtio_net_header)
                         ? length - (uint32_t)sizeof(struct virtio_net_header) : 0;
        if (bytes > NET_FRAME_MAX)
            bytes = NET_FRAME_MAX;      /* longer than any frame we asked for: cut to size */
        if (bytes)
            card->deliver(card->rx_buffers[index].frame, bytes);
        virtio_net_post_receive(card, index);
        posted = 1;
    }
    if (posted)
        virtqueue_notify(&card->receive);
}

/* Frees the transmit buffers the device has sent. */
static void virtio_net_drain_transmit(struct virtio_net *card)
{
    uint32_t head, length;
    while (virtqueue_next_used(&card->transmit, &head, &length)) {
        if (head >= card->transmit.size || card->tx_of_head[head] >= TX_BUFFERS) {
            klog(KLOG_ERROR, "virtio-net: the device returned transmit descriptor %u, which "
                 "heads no buffer; ignored", head);
            continue;
        }
        card->tx_free |= 1u << card->tx_of_head[head];
        card->tx_of_head[head] = NO_BUFFER;
        virtqueue_free_chain(&card->transmit, (uint16_t)head);
    }
}

static void virtio_net_handle_interrupt(void *context)
{
    struct virtio_net *card = context;
    uint8_t isr = virtio_isr(&card->virtio);    /* drops INTx */
    if (isr & VIRTIO_ISR_CONFIG)
        klog(KLOG_DEBUG, "virtio-net: configuration changed");
    virtio_net_drain_receive(card);
    virtio_net_drain_transmit(card);
}

static int virtio_net_transmit(struct nic_device *nic, const void *frame, uint32_t length)
{
    struct virtio_net *card = nic->driver;
    if (length > NET_FRAME_MAX)
        return 0;
    int were_enabled = cpu_interrupts_save_and_disable();
    virtio_net_drain_transmit(card);        /* buffers sent since the last interrupt */
    int sent = card->tx_free != 0 && card->transmit.free_count >= 2;
    if (sent) {
        uint32_t index = (uint32_t)__builtin_ctz(card->tx_free);
        struct net_buffer *buffer = &card->tx_buffers[index];
        card->tx_free &= ~(1u << index);
        memset(&buffer->header, 0, sizeof(buffer->header));
        memcpy(buffer->frame, frame, length);
        uint16_t head = virtqueue_chain_append(&card->transmit, -1, &buffer->header,
                                               sizeof(buffer->header), 0);
        virtqueue_chain_append(&card->transmit, head, buffer->frame, length, 0);
        card->tx_of_head[head] = (uint8_t)index;
        virtqueue_publish(&card->transmit, head);
        virtqueue_notify(&card->transmit);
    }
    cpu_interrupts_restore(were_enabled);
    return sent;
}

struct nic_device *virtio_net_probe(nic_receive_fn receive)
{
    const struct pci_device *pci = pci_find_device(VIRTIO_VENDOR_ID,
                                                   VIRTIO_NET_LEGACY_DEVICE_ID, 0);
    struct virtio_net *card = &virtio_net_card;
    card->virtio.name = "virtio-net";
    if (!pci || !virtio_locate(&card->virtio, pci))
        return NULL;
    virtio_reset(&card->virtio);
    uint32_t features = virtio_negotiate(&card->virtio, VIRTIO_NET_F_MAC);
    card->deliver = receive;
    if (!virtio_net_setup_queues(card) ||
        !virtio_attach_interrupt(&card->virtio, virtio_net_handle_interrupt, card)) {
        virtio_status_add(&card->virtio, VIRTIO_STATUS_FAILED);
        return NULL;
    }
    virtio_net_read_mac(card, features);
    virtio_status_add(&card->virtio, VIRTIO_STATUS_DRIVER_OK);
    virtqueue_notify(&card->receive);       /* the buffers posted before DRIVER_OK */
    card->nic.name = "virtio-net";
    card->nic.transmit = virtio_net_transmit;
    card->nic.driver = card;
    klog(KLOG_DEBUG, "virtio-net: PCI %02x:%02x.%u, I/O %#x, IRQ %d, queues of %u and %u",
         pci->bus, pci->slot, pci->function, card->virtio.io_base, card->virtio.irq,
         card->receive.size, card->transmit.size);
    return &card->nic;
}
