/* A block device over a host file, for the host tools and tests (test_crash.c replays writes in RAM). */
#ifndef TOOLS_HOST_BLOCKDEV_H
#define TOOLS_HOST_BLOCKDEV_H

#include "../checkpoint/blockdev.h"

struct host_blockdev {
    struct block_device device;
    int fd;
    uint64_t reads, writes, flushes;    /* requests served */
};

/* Opens path (read-write when writable); returns 0 and fills device, or -1 with errno. */
int host_blockdev_open(struct host_blockdev *host, const char *path, int writable);
void host_blockdev_close(struct host_blockdev *host);

#endif
