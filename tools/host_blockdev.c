/* A block device over a host file: requests complete inside submit, so blockdev_wait needs no idle hook. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host_blockdev.h"

static int host_blockdev_submit(struct block_device *device, struct block_request *request)
{
    struct host_blockdev *host = device->driver;
    if (request->operation != BLOCK_FLUSH &&
        (request->count == 0 || request->block + request->count > device->block_count))
        return BLOCK_OUT_OF_RANGE;
    off_t offset = (off_t)request->block * BLOCK_SIZE;
    size_t length = (size_t)request->count * BLOCK_SIZE;
    int status = BLOCK_OK;
    if (request->operation == BLOCK_READ) {
        host->reads++;
        status = pread(host->fd, request->buffer, length, offset) == (ssize_t)length ? BLOCK_OK
                                                                                      : BLOCK_ERROR;
    } else if (request->operation == BLOCK_WRITE) {
        host->writes++;
        status = pwrite(host->fd, request->buffer, length, offset) == (ssize_t)length
                     ? BLOCK_OK : BLOCK_ERROR;
    } else {
        host->flushes++;
        status = fsync(host->fd) == 0 ? BLOCK_OK : BLOCK_ERROR;
    }
    request->done(request, (enum block_status)status);
    return BLOCK_OK;
}

int host_blockdev_open(struct host_blockdev *host, const char *path, int writable)
{
    struct stat info;
    host->fd = open(path, writable ? O_RDWR : O_RDONLY);
    if (host->fd < 0 || fstat(host->fd, &info) != 0)
        return -1;
    host->device.name = "file";
    host->device.block_count = (uint64_t)info.st_size / BLOCK_SIZE;
    host->device.can_flush = 1;
    host->device.max_blocks = 256;
    host->device.submit = host_blockdev_submit;
    host->device.driver = host;
    host->reads = host->writes = host->flushes = 0;
    return 0;
}

void host_blockdev_close(struct host_blockdev *host)
{
    close(host->fd);
}
