/* The system-disk registry: probes the platform's disk drivers in order and reports what it found. */
#include <arch/disk.h>
#include <arch/platform.h>
#include <kernel/disk.h>
#include <kernel/klog.h>

/* The disk the store lives on; NULL until disk_init finds one. */
static struct block_device *disk_system_device;

struct block_device *disk_system(void)
{
    return disk_system_device;
}

/* "64 MiB", or "512 KiB" for a disk under 1 MiB. */
static void disk_log_found(const struct block_device *disk)
{
    uint64_t kibibytes = disk->block_count * (BLOCK_SIZE / 1024);
    const char *unit = kibibytes >= 1024 ? "MiB" : "KiB";
    unsigned long long size = kibibytes >= 1024 ? kibibytes / 1024 : kibibytes;
    if (disk->can_flush)
        klog(KLOG_INFO, "disk: %s, %llu %s, flush supported", disk->name, size, unit);
    else
        klog(KLOG_WARNING, "disk: %s, %llu %s, no flush: the store cannot be used read-write, "
             "because without a cache flush no write is ever known to be durable, so no "
             "checkpoint could commit", disk->name, size, unit);
}

void disk_init(void)
{
    blockdev_wait_idle = platform_idle;
    disk_system_device = virtio_blk_probe();
    if (!disk_system_device)
        disk_system_device = ata_probe();
    if (disk_system_device)
        disk_log_found(disk_system_device);
    else
        klog(KLOG_INFO, "disk: none");
}
