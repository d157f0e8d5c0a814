/* hostile-nocap: sends an empty slot as a capability; the receiver's slot must keep its own. */
#include <cairn/user.h>

/*
 * Issue 15, item 10: a message that names an empty slot as its capability
 * once overwrote the receiver's receive slot with nothing and reported that a
 * capability had arrived. A thread of this program sends such a message; this
 * process receives it into a slot that holds a copy of its bank. Prints
 * "hostile-nocap: refused: ..." when nothing arrived and the slot kept
 * the bank, "hostile-nocap: FAILED: ..." otherwise.
 */
enum { SLOT_ENDPOINT = 8, SLOT_CHILD = 9, SLOT_KEPT = 10, SLOT_EMPTY = 20 };
enum { CHILD_SLOT_ENDPOINT = 8, CHILD_STACK_SIZE = 8192 };

static int child_send_empty(void *unused)
{
    (void)unused;
    struct cairn_message message = { .word = { 7, 0, 0, 0 } };
    return (int)cairn_send(CHILD_SLOT_ENDPOINT, &message, SLOT_EMPTY);
}

int main(void)
{
    struct thread thread;
    uint32_t status = cairn_create(CAIRN_SLOT_BANK, CAIRN_TYPE_ENDPOINT, SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_cap_copy(CAIRN_SLOT_BANK, SLOT_KEPT);
    if (status == CAIRN_OK)
        status = thread_create(&thread, SLOT_CHILD, CHILD_STACK_SIZE);
    if (status == CAIRN_OK)
        status = cairn_process_give(SLOT_CHILD, SLOT_ENDPOINT, CHILD_SLOT_ENDPOINT);
    if (status == CAIRN_OK)
        status = cairn_set_receive_slot(SLOT_KEPT);
    if (status == CAIRN_OK)
        status = thread_start(&thread, child_send_empty, NULL);
    struct cairn_message message = { 0 };
    if (status == CAIRN_OK)
        status = cairn_receive(SLOT_ENDPOINT, &message);
    struct cairn_cap_info info = { 0 };
    uint32_t kept = cairn_cap_info(SLOT_KEPT, &info);
    if (status != CAIRN_OK || message.word[0] != 7) {
        printf("hostile-nocap: FAILED to set the attack up: %s\n", status_name(status));
        return 1;
    }
    if (message.cap_arrived || kept != CAIRN_OK || info.type != CAIRN_TYPE_BANK) {
        printf("hostile-nocap: FAILED: cap_arrived %u, the receive slot now %s (type %u)\n",
               message.cap_arrived, status_name(kept), info.type);
        return 1;
    }
    printf("hostile-nocap: refused: nothing arrived and the receive slot kept its bank\n");
    return 0;
}
