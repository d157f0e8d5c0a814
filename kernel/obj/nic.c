/* The NIC object: the system's network card, its received frames, and NIC_SEND, NIC_RECEIVE, NIC_INFO. */
/*
 * One NIC object per system, made by the kernel the first time it starts a
 * program (nic_system_capability) from the root bank and named in every
 * root record (cairn_disk_nic), so capabilities to it survive power cuts
 * like any other; programs cannot CREATE one. The object holds nothing
 * persistent: what it stands for is the card of this boot, if there is one.
 *
 *   card --interrupt--> receive ring (RX_RING frames, RAM only; full: dropped,
 *                       counted) --NIC_RECEIVE--> the program
 *   program --NIC_SEND--> the hold (kernel/output_commit.c: sent once the
 *                       checkpoint covering the send is durable) --> card
 *
 * Received frames are never part of a checkpoint: one that came after the
 * last checkpoint and was not taken is lost at a power cut, as a network may
 * lose any frame. NIC_RECEIVE with no frame waits at its trap (BLOCK_NIC)
 * until a frame comes or its deadline passes (kernel/sched.c looks at both).
 */
#include <stddef.h>
#include <arch/abi_registers.h>
#include <arch/cpu.h>
#include <arch/nic.h>
#include <checkpoint/store.h>
#include <kernel/config.h>
#include <kernel/heap.h>
#include <kernel/klog.h>
#include <kernel/nic.h>
#include <kernel/obj/objects.h>
#include <kernel/objstore.h>
#include <kernel/output_commit.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/time.h>

enum {
    RX_RING = 32,               /* received frames waiting for NIC_RECEIVE; a power of two */
    NIC_RIGHTS = CAIRN_RIGHT_SEND | CAIRN_RIGHT_RECEIVE,    /* what the kernel gives */
};

/* Filled by the card's interrupt, drained by NIC_RECEIVE. */
static struct received_frame {
    uint16_t length;
    uint8_t data[CAIRN_NIC_FRAME_MAX];
} rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;   /* free-running; head - tail = frames waiting */
volatile uint32_t nic_frames_in, nic_frames_dropped;

static struct nic_device *nic_card;     /* this boot's card, or NULL */
static uint32_t nic_ip;                 /* net.ip, network byte order */
static uint8_t nic_prefix;
static oid_t nic_oid;                   /* the NIC object (0: not made, or not known yet) */
static uint32_t nic_version;

/* ---- the card and its frames ---- */

/* In interrupt context: the frame is copied into the ring, or dropped when the ring is full. */
static void nic_receive_interrupt(const void *frame, uint32_t length)
{
    if (length < CAIRN_NIC_FRAME_MIN || length > CAIRN_NIC_FRAME_MAX ||
        rx_head - rx_tail == RX_RING) {
        nic_frames_dropped++;
        return;
    }
    struct received_frame *slot = &rx_ring[rx_head % RX_RING];
    memcpy(slot->data, frame, length);
    slot->length = (uint16_t)length;
    cpu_compiler_barrier();     /* the frame before the index that publishes it */
    rx_head++;
    nic_frames_in++;
}

int nic_frames_waiting(void)
{
    return rx_head != rx_tail;
}

int nic_present(void)
{
    return nic_card != NULL;
}

int nic_transmit(const void *frame, uint32_t length)
{
    return nic_card && nic_card->transmit(nic_card, frame, length);
}

/* "A.B.C.D/P" into *ip (network byte order) and *prefix; 0 if it is not that. */
static int nic_parse_address(const char *text, uint32_t *ip, uint8_t *prefix)
{
    uint32_t parts[5] = { 0 }, count = 0;
    const char *p = text;
    while (count < 5) {
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9' && parts[count] <= 255)
            parts[count] = parts[count] * 10 + (uint32_t)(*p++ - '0');
        char separator = count < 3 ? '.' : count == 3 ? '/' : 0;
        count++;
        if (*p != separator)
            return 0;
        if (separator)
            p++;
        else
            break;
    }
    if (count != 5 || parts[0] > 255 || parts[1] > 255 || parts[2] > 255 || parts[3] > 255 ||
        parts[4] > 32)
        return 0;
    uint8_t bytes[4] = { (uint8_t)parts[0], (uint8_t)parts[1], (uint8_t)parts[2],
                         (uint8_t)parts[3] };
    memcpy(ip, bytes, 4);       /* network byte order: the first part first in memory */
    *prefix = (uint8_t)parts[4];
    return 1;
}

void nic_init(void)
{
    if (!nic_parse_address(config.net_ip, &nic_ip, &nic_prefix)) {
        klog(KLOG_WARNING, "option 'net.ip': '%s' is not ADDR/PREFIX; using 10.0.2.15/24",
             config.net_ip);
        nic_parse_address("10.0.2.15/24", &nic_ip, &nic_prefix);
    }
    if (objstore) {
        nic_oid = objstore->root.nic.oid;
        nic_version = objstore->root.nic.version;
    }
    nic_card = virtio_net_probe(nic_receive_interrupt);
    const uint8_t *ip = (const uint8_t *)&nic_ip, *mac = nic_card ? nic_card->mac : NULL;
    if (nic_card)
        klog(KLOG_INFO, "net: %s %02x:%02x:%02x:%02x:%02x:%02x, %u.%u.%u.%u/%u", nic_card->name,
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], ip[0], ip[1], ip[2], ip[3],
             nic_prefix);
    else
        klog(KLOG_INFO, "net: none");
}

void nic_figures(struct cairn_nic_info *info)
{
    if (nic_card)
        memcpy(info->mac, nic_card->mac, sizeof(info->mac));
    info->present = nic_card != NULL;
    info->prefix = nic_prefix;
    info->ip = nic_ip;
    info->frames_in = nic_frames_in;
    info->frames_out = frames_sent;
    info->frames_held = output_commit_frames_held();
    info->frames_dropped = nic_frames_dropped;
}

/* ---- the object ---- */

int nic_system_capability(struct bank *bank, struct capability *capability)
{
    struct object *nic = nic_oid ? object_lookup(nic_oid, nic_version) : NULL;
    *capability = (struct capability){ 0 };
    if (nic && nic->type != CAIRN_TYPE_NIC)
        nic = NULL;
    if (!nic) {
        if (bank_check_room(bank, bank_cost(CAIRN_TYPE_NIC)) != CAIRN_OK)
            return 0;
        nic = object_create(CAIRN_TYPE_NIC, sizeof(struct nic));
        if (!nic)
            return 0;
        bank_adopt(bank, nic);
        nic_oid = nic->oid;
        nic_version = nic->version;
        if (objstore)   /* a kernel before NIC objects must not read this image */
            objstore->super.feature_incompat |= CAIRN_DISK_INCOMPAT_NIC;
    }
    *capability = capability_to(nic, NIC_RIGHTS);
    return 1;
}

void nic_to_disk(struct cairn_disk_nic *disk)
{
    disk->oid = (uint32_t)nic_oid;
    disk->version = nic_version;
}

/* Programs cannot make another: there is one NIC per system, and the kernel makes it. */
static int nic_check_make(const struct bank *bank)
{
    (void)bank;
    return CAIRN_E_BAD_ARGUMENT;
}

static struct object *nic_make(struct bank *bank, uint32_t limit)
{
    (void)bank;
    (void)limit;
    return NULL;        /* nic_check_make refuses first */
}

/* Nor destroy it: its capabilities have no DESTROY right, and it is the system's. */
static int nic_check_destroy(struct object *object)
{
    (void)object;
    return CAIRN_E_BAD_ARGUMENT;
}

static void nic_destroy(struct object *object)
{
    if (object->oid == nic_oid)
        nic_oid = 0;
    bank_refund(object);
    sched_wake_nic_waiters();   /* they run again and find it gone */
    object_free(object);
}

/* A stored NIC: its record has no body. */
static struct object *nic_from_record(const struct cairn_object_record *record,
                                      const char **damage)
{
    (void)record;
    (void)damage;
    return kzalloc(sizeof(struct nic));
}

/* ---- the calls ---- */

/* NIC_SEND: the frame, copied in now; SEND waits while the hold has no room for it. */
static uint8_t nic_send_frame[CAIRN_NIC_FRAME_MAX];

static syscall_result_t nic_decode_send(struct process *process, uint32_t *length)
{
    struct object *nic;
    syscall_result_t status = syscall_argument_object(process, REGISTER_NIC, CAIRN_TYPE_NIC,
                                                      CAIRN_RIGHT_SEND, &nic);
    *length = syscall_argument(process, REGISTER_NIC_SEND_LENGTH);
    if (status != CAIRN_OK)
        return status;
    if (*length < CAIRN_NIC_FRAME_MIN || *length > CAIRN_NIC_FRAME_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    if (!nic_card)
        return CAIRN_E_NO_DEVICE;
    status = user_copy_in(process, nic_send_frame,
                          syscall_argument(process, REGISTER_NIC_SEND_FRAME), *length);
    if (status != CAIRN_OK)
        return status;
    if (!output_commit_frame_room(*length))
        return syscall_wait(process, BLOCK_OUTPUT);     /* again once held frames are sent */
    return CAIRN_OK;
}

static syscall_result_t nic_call_send(struct process *process)
{
    uint32_t length;
    syscall_result_t status = nic_decode_send(process, &length);
    if (status == CAIRN_OK)
        output_commit_hold_frame(nic_send_frame, length);
    return status;
}

/* What NIC_RECEIVE's decode step found: the oldest frame and the buffer it goes to. */
struct nic_receive_arguments {
    const struct received_frame *frame;
    struct user_buffer to;
};

static uint64_t nic_deadline(const struct process *process)
{
    return (uint64_t)context_get(&process->context, REGISTER_NIC_DEADLINE_HIGH) << 32 |
           context_get(&process->context, REGISTER_NIC_DEADLINE_LOW);
}

/* NIC_RECEIVE: a frame, or a wait at the trap until one comes or the deadline passes. */
static syscall_result_t nic_decode_receive(struct process *process,
                                           struct nic_receive_arguments *receive)
{
    struct object *nic;
    syscall_result_t status = syscall_argument_object(process, REGISTER_NIC, CAIRN_TYPE_NIC,
                                                      CAIRN_RIGHT_RECEIVE, &nic);
    if (status != CAIRN_OK)
        return status;
    if (syscall_argument(process, REGISTER_NIC_RECEIVE_SIZE) < CAIRN_NIC_FRAME_MAX)
        return CAIRN_E_BAD_ARGUMENT;
    if (!nic_card)
        return CAIRN_E_NO_DEVICE;
    if (!nic_frames_waiting()) {
        uint64_t deadline = nic_deadline(process);
        if (deadline == 0 || time_monotonic_nanoseconds() >= deadline)
            return CAIRN_E_TIMED_OUT;
        return syscall_wait(process, BLOCK_NIC);
    }
    cpu_compiler_barrier();     /* the frame only after the index that published it */
    receive->frame = &rx_ring[rx_tail % RX_RING];
    return user_buffer_prepare_out(process,
                                   syscall_argument(process, REGISTER_NIC_RECEIVE_BUFFER),
                                   receive->frame->length, &receive->to);
}

/* Its effects: the frame reaches the program, and only then leaves the ring. */
static void nic_invoke_receive(struct process *process,
                               const struct nic_receive_arguments *receive)
{
    user_buffer_write(&receive->to, receive->frame->data);
    context_set(&process->context, REGISTER_NIC_RECEIVE_LENGTH, receive->frame->length);
    rx_tail++;
}

static syscall_result_t nic_call_receive(struct process *process)
{
    struct nic_receive_arguments receive;
    syscall_result_t status = nic_decode_receive(process, &receive);
    if (status == CAIRN_OK)
        nic_invoke_receive(process, &receive);
    return status;
}

/* NIC_INFO: the card, net.ip and the counters, into a buffer of at most 40 bytes. */
static syscall_result_t nic_decode_info(struct process *process, struct cairn_nic_info *info,
                                        struct user_buffer *to)
{
    struct object *nic;
    syscall_result_t status = syscall_argument_object(process, REGISTER_NIC, CAIRN_TYPE_NIC, 0,
                                                      &nic);
    uint32_t size = syscall_argument(process, REGISTER_NIC_INFO_SIZE);
    if (status != CAIRN_OK)
        return status;
    if (size > sizeof(*info))
        return CAIRN_E_BAD_ARGUMENT;
    nic_figures(info);
    return user_buffer_prepare_out(process, syscall_argument(process, REGISTER_NIC_INFO_BUFFER),
                                   size, to);
}

static syscall_result_t nic_call_info(struct process *process)
{
    struct cairn_nic_info info = { 0 };
    struct user_buffer to;
    syscall_result_t status = nic_decode_info(process, &info, &to);
    if (status == CAIRN_OK)
        user_buffer_write(&to, &info);
    return status;
}

syscall_result_t nic_invoke(struct process *caller, uint32_t call)
{
    switch (call) {
    case CAIRN_NIC_SEND: return nic_call_send(caller);
    case CAIRN_NIC_RECEIVE: return nic_call_receive(caller);
    case CAIRN_NIC_INFO: return nic_call_info(caller);
    default: return CAIRN_E_BAD_CALL;
    }
}

int nic_receive_due(const struct process *process, uint64_t now)
{
    return nic_frames_waiting() || nic_deadline(process) <= now;
}

/* No data to stage and no fields in its record: the record says only that it exists. */
const struct object_ops nic_ops = {
    .check_make = nic_check_make,
    .make = nic_make,
    .check_destroy = nic_check_destroy,
    .destroy = nic_destroy,
    .from_record = nic_from_record,
};
