/* The Cairn NIC as a struct net_link: CAIRN_NIC_SEND, CAIRN_NIC_RECEIVE and CAIRN_NIC_INFO on the capability in CAIRN_SLOT_NIC. */
#include <cairn/user.h>
#include <cairn/net.h>

/*
 * Not built yet: the NIC calls are being added to include/cairn/abi.h
 * (issue 18, items 1-3). Once they are there, move this file to
 * user/lib/net_nic.c, where the Makefile's wildcard puts it in libcairn.a,
 * and take udpecho off USER_PROGRAMS_WAITING. It is kept apart rather than
 * behind an #if because the ABI's names are enum constants, which the
 * preprocessor cannot test.
 *
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
    uint32_t status = cairn_syscall6(CAIRN_NIC_SEND, net_nic_slot(context), (uint32_t)frame,
                                     length, 0, 0, 0);
    return status == CAIRN_OK ? NET_OK : NET_E_LINK;
}

/* The deadline goes in esi:edi, high half in esi. */
static enum net_status net_nic_receive(void *context, void *buffer, uint32_t size,
                                       uint64_t deadline_ns, uint32_t *length)
{
    struct cairn_registers registers = {
        .eax = CAIRN_NIC_RECEIVE, .ebx = net_nic_slot(context), .ecx = (uint32_t)buffer,
        .edx = size, .esi = (uint32_t)(deadline_ns >> 32), .edi = (uint32_t)deadline_ns,
    };
    uint32_t status = cairn_syscall(&registers);
    if (status == CAIRN_E_TIMED_OUT)
        return NET_TIMED_OUT;
    if (status != CAIRN_OK)
        return NET_E_LINK;
    *length = registers.ebx;
    return NET_OK;
}

static uint64_t net_nic_now(void *context)
{
    (void)context;
    return clock_now_ns();
}

uint32_t net_nic_link(struct net_link *link)
{
    struct cairn_nic_info info;
    uint32_t status = cairn_syscall6(CAIRN_NIC_INFO, CAIRN_SLOT_NIC, (uint32_t)&info, sizeof info,
                                     0, 0, 0);
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
