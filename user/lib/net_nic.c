/* The Cairn NIC as a struct net_link: CAIRN_NIC_SEND, CAIRN_NIC_RECEIVE and CAIRN_NIC_INFO on the capability in CAIRN_SLOT_NIC. */
#include <cairn/user.h>
#include <cairn/net.h>

/*
 * The link's context is the NIC's slot number itself, so the link holds no
 * pointer to anything but code. Every call is an ordinary restartable
 * system call: a program stopped by a power cut inside NIC_RECEIVE or
 * NIC_SEND makes the call again when it resumes, and the frames it sent are
 * those the kernel held until their checkpoint committed.
 */
static uint32_t net_nic_slot(void *context)
{
    return (uint32_t)(uintptr_t)context;
}

static enum net_status net_nic_send(void *context, const void *frame, uint32_t length)
{
    return cairn_nic_send(net_nic_slot(context), frame, length) == CAIRN_OK ? NET_OK
                                                                            : NET_E_LINK;
}

static enum net_status net_nic_receive(void *context, void *buffer, uint32_t size,
                                       uint64_t deadline_ns, uint32_t *length)
{
    uint32_t status = cairn_nic_receive(net_nic_slot(context), buffer, size, deadline_ns, length);
    if (status == CAIRN_E_TIMED_OUT)
        return NET_TIMED_OUT;
    return status == CAIRN_OK ? NET_OK : NET_E_LINK;
}

static uint64_t net_nic_now(void *context)
{
    (void)context;
    return clock_now_ns();
}

uint32_t net_nic_link(struct net_link *link)
{
    struct cairn_nic_info info;
    uint32_t status = cairn_nic_info(CAIRN_SLOT_NIC, &info);
    if (status != CAIRN_OK)
        return status;
    if (!info.present)
        return CAIRN_E_NO_DEVICE;
    const uint8_t *ip = (const uint8_t *)&info.ip;          /* network byte order */
    *link = (struct net_link){
        .context = (void *)(uintptr_t)CAIRN_SLOT_NIC, .send = net_nic_send,
        .receive = net_nic_receive, .now = net_nic_now, .prefix = info.prefix,
        .ip = NET_IP(ip[0], ip[1], ip[2], ip[3]),
    };
    memcpy(link->mac, info.mac, NET_MAC_BYTES);
    return CAIRN_OK;
}
