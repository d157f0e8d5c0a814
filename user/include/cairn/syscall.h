/* System calls from C: the register block, the one trap stub, and one small wrapper per call of abi.h. */
#ifndef CAIRN_USER_SYSCALL_H
#define CAIRN_USER_SYSCALL_H

#include <stdint.h>
#include <cairn/abi.h>

/* Registers in and out of `int $0x80` (the stub in user/lib/syscall.S relies on this order). */
struct cairn_registers {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};

/* Traps with every register from *registers, stores every register back; returns eax. */
uint32_t cairn_syscall(struct cairn_registers *registers);

/* First instruction of a started process: runs int entry(void *argument) (eax, ebx), then exits. */
void cairn_process_entry(void);

/* A message: four words, plus what a receiver learns about it. */
struct cairn_message {
    uint32_t word[4];
    uint32_t badge;             /* received: badge of the sender's endpoint capability */
    uint32_t cap_arrived;       /* received: 1 if a capability landed in the receive slot */
};

/* What CAIRN_CAP_INFO tells about a slot. */
struct cairn_cap_info {
    uint32_t type;              /* enum cairn_type */
    uint32_t rights;            /* enum cairn_rights */
    uint32_t badge;
};

static inline uint32_t cairn_syscall6(uint32_t call, uint32_t ebx, uint32_t ecx, uint32_t edx,
                                      uint32_t esi, uint32_t edi, uint32_t ebp)
{
    struct cairn_registers registers = { call, ebx, ecx, edx, esi, edi, ebp };
    return cairn_syscall(&registers);
}

static inline uint32_t cairn_null(void)
{
    return cairn_syscall6(CAIRN_NULL, 0, 0, 0, 0, 0, 0);
}

static inline uint32_t cairn_yield(void)
{
    return cairn_syscall6(CAIRN_YIELD, 0, 0, 0, 0, 0, 0);
}

static inline __attribute__((noreturn)) void cairn_exit(uint32_t status)
{
    cairn_syscall6(CAIRN_EXIT, status, 0, 0, 0, 0, 0);
    __builtin_trap();
}

/* Returns once the monotonic clock has reached deadline_ns. */
static inline uint32_t cairn_sleep_until(uint64_t deadline_ns)
{
    return cairn_syscall6(CAIRN_SLEEP_UNTIL, (uint32_t)deadline_ns, (uint32_t)(deadline_ns >> 32),
                          0, 0, 0, 0);
}

static inline uint32_t cairn_time(uint64_t *now_ns)
{
    struct cairn_registers registers = { .eax = CAIRN_TIME };
    uint32_t status = cairn_syscall(&registers);
    *now_ns = (uint64_t)registers.ecx << 32 | registers.ebx;
    return status;
}

static inline uint32_t cairn_console_write(const void *buffer, uint32_t length)
{
    return cairn_syscall6(CAIRN_CONSOLE_WRITE, (uint32_t)buffer, length, 0, 0, 0, 0);
}

static inline uint32_t cairn_stats(struct cairn_stats *stats)
{
    return cairn_syscall6(CAIRN_STATS, (uint32_t)stats, sizeof *stats, 0, 0, 0, 0);
}

static inline uint32_t cairn_cap_copy(uint32_t from_slot, uint32_t to_slot)
{
    return cairn_syscall6(CAIRN_CAP_COPY, from_slot, to_slot, 0, 0, 0, 0);
}

static inline uint32_t cairn_cap_move(uint32_t from_slot, uint32_t to_slot)
{
    return cairn_syscall6(CAIRN_CAP_MOVE, from_slot, to_slot, 0, 0, 0, 0);
}

static inline uint32_t cairn_cap_delete(uint32_t slot)
{
    return cairn_syscall6(CAIRN_CAP_DELETE, slot, 0, 0, 0, 0, 0);
}

static inline uint32_t cairn_cap_restrict(uint32_t slot, uint32_t rights_kept)
{
    return cairn_syscall6(CAIRN_CAP_RESTRICT, slot, rights_kept, 0, 0, 0, 0);
}

static inline uint32_t cairn_cap_badge(uint32_t endpoint_slot, uint32_t to_slot, uint32_t badge)
{
    return cairn_syscall6(CAIRN_CAP_BADGE, endpoint_slot, to_slot, badge, 0, 0, 0);
}

static inline uint32_t cairn_cap_info(uint32_t slot, struct cairn_cap_info *info)
{
    struct cairn_registers registers = { .eax = CAIRN_CAP_INFO, .ebx = slot };
    uint32_t status = cairn_syscall(&registers);
    info->type = registers.ebx;
    info->rights = registers.ecx;
    info->badge = registers.edx;
    return status;
}

/* Copies the results of a receiving call into *message. */
static inline void cairn_message_from_registers(struct cairn_message *message,
                                                const struct cairn_registers *registers)
{
    message->badge = registers->ebx;
    message->word[0] = registers->ecx;
    message->word[1] = registers->edx;
    message->word[2] = registers->esi;
    message->word[3] = registers->edi;
    message->cap_arrived = registers->ebp;
}

/* Registers for a sending call: four words and a capability slot (or CAIRN_NO_SLOT). */
static inline struct cairn_registers cairn_message_registers(uint32_t call, uint32_t endpoint_slot,
                                                             const struct cairn_message *message,
                                                             uint32_t cap_slot)
{
    struct cairn_registers registers = { call, endpoint_slot, message->word[0], message->word[1],
                                         message->word[2], message->word[3], cap_slot };
    return registers;
}

static inline uint32_t cairn_send(uint32_t endpoint_slot, const struct cairn_message *message,
                                  uint32_t cap_slot)
{
    struct cairn_registers registers =
        cairn_message_registers(CAIRN_SEND, endpoint_slot, message, cap_slot);
    return cairn_syscall(&registers);
}

static inline uint32_t cairn_receive(uint32_t endpoint_slot, struct cairn_message *message)
{
    struct cairn_registers registers = { .eax = CAIRN_RECEIVE, .ebx = endpoint_slot };
    uint32_t status = cairn_syscall(&registers);
    cairn_message_from_registers(message, &registers);
    return status;
}

/* Sends request and waits for the reply. */
static inline uint32_t cairn_call(uint32_t endpoint_slot, const struct cairn_message *request,
                                  uint32_t cap_slot, struct cairn_message *reply)
{
    struct cairn_registers registers =
        cairn_message_registers(CAIRN_CALL, endpoint_slot, request, cap_slot);
    uint32_t status = cairn_syscall(&registers);
    cairn_message_from_registers(reply, &registers);
    return status;
}

/* Answers the CALL this process received last. */
static inline uint32_t cairn_reply(const struct cairn_message *reply, uint32_t cap_slot)
{
    struct cairn_registers registers = cairn_message_registers(CAIRN_REPLY, 0, reply, cap_slot);
    return cairn_syscall(&registers);
}

/* Answers the last CALL, then waits for the next message on endpoint_slot. */
static inline uint32_t cairn_reply_receive(uint32_t endpoint_slot,
                                           const struct cairn_message *reply, uint32_t cap_slot,
                                           struct cairn_message *next)
{
    struct cairn_registers registers =
        cairn_message_registers(CAIRN_REPLY_RECEIVE, endpoint_slot, reply, cap_slot);
    uint32_t status = cairn_syscall(&registers);
    cairn_message_from_registers(next, &registers);
    return status;
}

static inline uint32_t cairn_set_receive_slot(uint32_t slot)
{
    return cairn_syscall6(CAIRN_SET_RECEIVE_SLOT, slot, 0, 0, 0, 0, 0);
}

static inline uint32_t cairn_create(uint32_t bank_slot, uint32_t type, uint32_t to_slot)
{
    return cairn_syscall6(CAIRN_CREATE, bank_slot, type, to_slot, 0, 0, 0);
}

static inline uint32_t cairn_create_bank(uint32_t bank_slot, uint32_t to_slot, uint32_t limit)
{
    return cairn_syscall6(CAIRN_CREATE, bank_slot, CAIRN_TYPE_BANK, to_slot, limit, 0, 0);
}

static inline uint32_t cairn_destroy(uint32_t slot)
{
    return cairn_syscall6(CAIRN_DESTROY, slot, 0, 0, 0, 0, 0);
}

/* Maps page_slot at address in space_slot; space nodes it needs come from bank_slot. */
static inline uint32_t cairn_map(uint32_t space_slot, uint32_t address, uint32_t page_slot,
                                 uint32_t rights, uint32_t bank_slot)
{
    return cairn_syscall6(CAIRN_MAP, space_slot, address, page_slot, rights, bank_slot, 0);
}

static inline uint32_t cairn_unmap(uint32_t space_slot, uint32_t address)
{
    return cairn_syscall6(CAIRN_UNMAP, space_slot, address, 0, 0, 0, 0);
}

static inline uint32_t cairn_process_setup(uint32_t process_slot, uint32_t space_slot,
                                           uint32_t eip, uint32_t esp, uint32_t priority)
{
    return cairn_syscall6(CAIRN_PROCESS_SETUP, process_slot, space_slot, eip, esp, priority, 0);
}

/* Copies my capability in my_slot into the process's its_slot. */
static inline uint32_t cairn_process_give(uint32_t process_slot, uint32_t my_slot,
                                          uint32_t its_slot)
{
    return cairn_syscall6(CAIRN_PROCESS_GIVE, process_slot, my_slot, its_slot, 0, 0, 0);
}

/* Returns once a checkpoint covering everything this process did before is durable. */
static inline uint32_t cairn_sync(void)
{
    return cairn_syscall6(CAIRN_SYNC, 0, 0, 0, 0, 0, 0);
}

/* Reads console input: at least one byte (CAIRN_CONSOLE_BYTES) or one line ending in '\n'
 * (CAIRN_CONSOLE_LINE), waiting until it is there; *count = bytes read. */
static inline uint32_t cairn_console_read(void *buffer, uint32_t size, uint32_t mode,
                                          uint32_t *count)
{
    struct cairn_registers registers = { .eax = CAIRN_CONSOLE_READ, .ebx = (uint32_t)buffer,
                                         .ecx = size, .edx = mode };
    uint32_t status = cairn_syscall(&registers);
    *count = status == CAIRN_OK ? registers.ebx : 0;
    return status;
}

/* Makes the process in slot (CAIRN_NO_SLOT: this one) the only reader of the console; this
 * process holds the console, which comes back to it once that process is gone. */
static inline uint32_t cairn_console_foreground(uint32_t slot)
{
    return cairn_syscall6(CAIRN_CONSOLE_FOREGROUND, slot, 0, 0, 0, 0, 0);
}

/* The console's holder: waits until Ctrl-C is typed or the foreground process is gone;
 * *why = CAIRN_CONSOLE_INTERRUPTED or CAIRN_CONSOLE_ENDED. */
static inline uint32_t cairn_console_wait(uint32_t *why)
{
    struct cairn_registers registers = { .eax = CAIRN_CONSOLE_WAIT };
    uint32_t status = cairn_syscall(&registers);
    *why = status == CAIRN_OK ? registers.ebx : CAIRN_CONSOLE_ENDED;
    return status;
}

/* The clocks and what the last restart did to them (struct cairn_clock in abi.h). */
static inline uint32_t cairn_clock(struct cairn_clock *clock)
{
    return cairn_syscall6(CAIRN_CLOCK, (uint32_t)clock, sizeof *clock, 0, 0, 0, 0);
}

/* The index-th process of the system (0: the newest); CAIRN_E_NOT_FOUND past the last. */
static inline uint32_t cairn_process_info(uint32_t index, struct cairn_process_info *info)
{
    return cairn_syscall6(CAIRN_PROCESS_INFO, index, (uint32_t)info, sizeof *info, 0, 0, 0);
}

/* An embryo of the stored program "name arg arg..." in slot, paid by bank; start it with
 * cairn_process_start(slot, 0, 0). */
static inline uint32_t cairn_program_load(uint32_t bank_slot, const char *command,
                                          uint32_t length, uint32_t slot)
{
    return cairn_syscall6(CAIRN_PROGRAM_LOAD, bank_slot, (uint32_t)command, length, slot, 0, 0);
}

static inline uint32_t cairn_process_start(uint32_t process_slot, uint32_t its_eax,
                                           uint32_t its_ebx)
{
    return cairn_syscall6(CAIRN_PROCESS_START, process_slot, its_eax, its_ebx, 0, 0, 0);
}

/* Sends an Ethernet frame (header included, no FCS; CAIRN_NIC_FRAME_MIN..MAX bytes) through the
 * NIC in nic_slot: held until the checkpoint covering this call is durable, then sent. Waits
 * while the kernel's hold of frames is full. */
static inline uint32_t cairn_nic_send(uint32_t nic_slot, const void *frame, uint32_t length)
{
    return cairn_syscall6(CAIRN_NIC_SEND, nic_slot, (uint32_t)frame, length, 0, 0, 0);
}

/* The next received frame into buffer (size >= CAIRN_NIC_FRAME_MAX), *length its bytes;
 * waits until one comes or the monotonic clock reaches deadline_ns (0: do not wait;
 * CAIRN_NIC_NO_DEADLINE: wait for ever): then CAIRN_E_TIMED_OUT. */
#define CAIRN_NIC_NO_DEADLINE (~0ull)
static inline uint32_t cairn_nic_receive(uint32_t nic_slot, void *buffer, uint32_t size,
                                         uint64_t deadline_ns, uint32_t *length)
{
    struct cairn_registers registers = { .eax = CAIRN_NIC_RECEIVE, .ebx = nic_slot,
                                         .ecx = (uint32_t)buffer, .edx = size,
                                         .esi = (uint32_t)deadline_ns,
                                         .edi = (uint32_t)(deadline_ns >> 32) };
    uint32_t status = cairn_syscall(&registers);
    *length = status == CAIRN_OK ? registers.ebx : 0;
    return status;
}

/* The card, the guest's address (net.ip) and the frame counters (struct cairn_nic_info). */
static inline uint32_t cairn_nic_info(uint32_t nic_slot, struct cairn_nic_info *info)
{
    return cairn_syscall6(CAIRN_NIC_INFO, nic_slot, (uint32_t)info, sizeof *info, 0, 0, 0);
}

#endif
