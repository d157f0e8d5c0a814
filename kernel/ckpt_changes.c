/*
 * Change lists: which objects the next checkpoint writes, and which the one being written
 * still needs as they were at its snapshot.
 *
 *   list open_list       every object changed since the last snapshot, each once (Pages
 *                        on one list, other types on another): the next checkpoint's work
 *   list open_list ^ 1   frozen: the changes the checkpoint being written took at its
 *                        snapshot, each leaving the list once it is written
 *   list CKPT_WRITTEN    pages this write-out wrote or moved: given their new blocks at
 *                        its commit (kernel/ckpt_objects.c)
 *
 * The snapshot only swaps the pair (open_list ^= 1), so the pause costs nothing per
 * changed object. An object is on a list when bit n of object->changed is set.
 *
 * The store sets a change limit (format_change_limit): changes beyond it wait, as for a
 * frame, until a snapshot has taken the open list, so that one checkpoint never writes
 * more than the log can hold.
 */
#include <stddef.h>
#include <kernel/ckpt_internal.h>
#include <kernel/panic.h>

static struct change_list *ckpt_list(struct object *object, int index)
{
    if (index == CKPT_WRITTEN)
        return &ckpt.written_pages;
    return object->type == CAIRN_TYPE_PAGE ? &ckpt.changed_pages[index]
                                           : &ckpt.changed_others[index];
}

static void ckpt_list_insert(struct object *object, int index)
{
    struct change_list *list = ckpt_list(object, index);
    object->change_previous[index] = NULL;
    object->change_next[index] = list->head;
    if (list->head)
        list->head->change_previous[index] = object;
    list->head = object;
    list->count++;
    object->changed |= (uint8_t)(1u << index);
}

void ckpt_list_remove(struct object *object, int index)
{
    assert(index == 0 || index == 1 || index == CKPT_WRITTEN);
    if (!(object->changed & (1u << index)))
        return;
    struct change_list *list = ckpt_list(object, index);
    if (object->change_previous[index])
        object->change_previous[index]->change_next[index] = object->change_next[index];
    else
        list->head = object->change_next[index];
    if (object->change_next[index])
        object->change_next[index]->change_previous[index] = object->change_previous[index];
    list->count--;
    object->changed &= (uint8_t)~(1u << index);
}

void ckpt_note_change(struct object *object)
{
    if (!(object->changed & (1u << ckpt.open_list)))
        ckpt_list_insert(object, ckpt.open_list);
}

/* The page's stored copy is moving (written, or copied by the cleaner): it gets the new block
 * when this checkpoint commits (ckpt_pages_committed) and keeps the old one, still in force,
 * until then. */
void ckpt_page_pending(struct page *page)
{
    if (!(page->object.changed & (1u << CKPT_WRITTEN)))
        ckpt_list_insert(&page->object, CKPT_WRITTEN);
}

void ckpt_note_free(struct object *object)
{
    ckpt_list_remove(object, 0);
    ckpt_list_remove(object, 1);
    ckpt_list_remove(object, CKPT_WRITTEN);
}

uint32_t ckpt_change_limit(void)
{
    return ckpt.ready && ckpt.change_limit ? ckpt.change_limit : 0xFFFFFFFFu;
}

int ckpt_change_room(uint32_t count)
{
    if (!ckpt.ready || !ckpt.change_limit)
        return 1;
    uint32_t changed = ckpt.changed_pages[ckpt.open_list].count +
                       ckpt.changed_others[ckpt.open_list].count;
    return changed + count <= ckpt.change_limit;
}

int ckpt_may_change(const struct object *object)
{
    return (object->changed & (1u << ckpt.open_list)) || ckpt_change_room(1);
}

int ckpt_write_notices(const struct page *page)
{
    return !(page->object.changed & (1u << ckpt.open_list)) || ckpt_page_frozen(page);
}

int ckpt_page_frozen(const struct page *page)
{
    return ckpt.phase != CKPT_IDLE && (page->object.changed & (1u << (ckpt.open_list ^ 1))) &&
           !page->frozen_frame && page->frame;
}
