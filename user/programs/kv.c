/* kv: a key-value store driven by console lines; a set is acknowledged only once it is durable. */
#include <cairn/user.h>

/*
 * Commands, one per line:
 *
 *   set KEY VALUE   stores VALUE (the rest of the line) under KEY, SYNCs,
 *                   and only then answers "OK KEY"
 *   get KEY         answers "VALUE KEY VALUE" or "NOTFOUND KEY"
 *   quit            answers "BYE" and exits (back to the shell that ran it);
 *                   its keys go with it
 *
 * anything else answers "ERROR ...". The table is ordinary memory: it
 * persists with the process, so kv has no save or load code. After a power
 * cut kv resumes from the last checkpoint, possibly after a SYNC whose "OK"
 * line was never shown, and then shows it: an acknowledgement may come
 * twice, which is why it names its key. A set read after the last
 * checkpoint is lost with the input, like a dropped packet, and never
 * acknowledged.
 */
enum {
    KV_CAPACITY = 4096,         /* entries; a power of two */
    KV_KEY_MAX = 31,            /* bytes of a key */
    KV_VALUE_MAX = 95,          /* bytes of a value */
    KV_LINE_MAX = 256,
};

struct kv_entry {
    char key[KV_KEY_MAX + 1];   /* "" = free */
    char value[KV_VALUE_MAX + 1];
};

static struct kv_entry table[KV_CAPACITY];
static uint32_t entry_count;

/* FNV-1a of the key. */
static uint32_t kv_hash(const char *key)
{
    uint32_t hash = 2166136261u;
    for (; *key; key++)
        hash = (hash ^ (uint8_t)*key) * 16777619u;
    return hash;
}

/* The entry holding key, or the free entry where it would go (NULL: key absent, table full). */
static struct kv_entry *kv_find(const char *key)
{
    uint32_t index = kv_hash(key);
    for (uint32_t probe = 0; probe < KV_CAPACITY; probe++) {
        struct kv_entry *entry = &table[(index + probe) % KV_CAPACITY];
        if (!entry->key[0] || strcmp(entry->key, key) == 0)
            return entry;
    }
    return NULL;
}

static void kv_set(const char *key, const char *value)
{
    struct kv_entry *entry = kv_find(key);
    if (!entry) {
        printf("ERROR %s: the table is full (%u keys)\n", key, entry_count);
        return;
    }
    if (!entry->key[0]) {
        strlcpy(entry->key, key, sizeof entry->key);
        entry_count++;
    }
    strlcpy(entry->value, value, sizeof entry->value);
    uint32_t status = cairn_sync();
    if (status != CAIRN_OK)
        printf("FAILED %s: sync returned %s\n", key, status_name(status));
    else
        printf("OK %s\n", key);
}

static void kv_get(const char *key)
{
    struct kv_entry *entry = kv_find(key);
    if (entry && entry->key[0])
        printf("VALUE %s %s\n", key, entry->value);
    else
        printf("NOTFOUND %s\n", key);
}

/* Cuts the first word off *text (ending it with a NUL) and returns it; *text = what follows. */
static char *kv_next_word(char **text)
{
    char *word = *text;
    while (*word == ' ')
        word++;
    char *end = word;
    while (*end && *end != ' ')
        end++;
    *text = *end ? end + 1 : end;
    *end = '\0';
    return word;
}

/* Runs one command line; returns 0 on quit. */
static int kv_command(char *line)
{
    char *rest = line;
    char *command = kv_next_word(&rest);
    char *key = kv_next_word(&rest);
    if (!command[0])
        return 1;               /* an empty line */
    if (strcmp(command, "quit") == 0) {
        printf("BYE\n");
        return 0;
    }
    int set = strcmp(command, "set") == 0, get = strcmp(command, "get") == 0;
    if (!set && !get)
        printf("ERROR unknown command %s (set KEY VALUE, get KEY, quit)\n", command);
    else if (!key[0] || strlen(key) > KV_KEY_MAX)
        printf("ERROR %s needs a key of 1 to %u bytes\n", command, KV_KEY_MAX);
    else if (get)
        kv_get(key);
    else if (!rest[0] || strlen(rest) > KV_VALUE_MAX)
        printf("ERROR set %s needs a value of 1 to %u bytes\n", key, KV_VALUE_MAX);
    else
        kv_set(key, rest);
    return 1;
}

int main(void)
{
    static char line[KV_LINE_MAX];
    printf("kv: ready (set KEY VALUE, get KEY, quit)\n");
    do {
        if (console_read_line(line, sizeof line) < 0) {
            printf("kv: FAILED: console read refused\n");
            return 1;
        }
    } while (kv_command(line));
    return 0;
}
