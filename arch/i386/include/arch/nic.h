/* The network interface of the i386 port: the virtio-net driver, behind a small frame interface. */
#ifndef ARCH_NIC_H
#define ARCH_NIC_H

#include <stdint.h>

enum { NIC_MAC_SIZE = 6 };

/* A network card the kernel sends Ethernet frames through (header included, no FCS). */
struct nic_device {
    const char *name;                   /* for the log: "virtio-net" */
    uint8_t mac[NIC_MAC_SIZE];
    /* Copies a frame into the transmit queue and starts sending it; 0 when the queue has no
     * room (nothing done: try again after an interrupt). Outside interrupt handlers. */
    int (*transmit)(struct nic_device *device, const void *frame, uint32_t length);
    void *driver;
};

/* Called in interrupt context with each frame received (length: its bytes, header included);
 * the frame's memory is the driver's again once it returns. */
typedef void (*nic_receive_fn)(const void *frame, uint32_t length);

/* The first legacy virtio-net PCI function, set up with its receive buffers posted and its
 * interrupt on; NULL (logged when one was found but cannot be used) if none works. */
struct nic_device *virtio_net_probe(nic_receive_fn receive);

#endif
