/* The ATA PIO fallback disk: the primary channel's master, polled, LBA48 when it has it, else LBA28. */
/*
 * Every request completes inside submit(): the driver programs the task-file
 * registers, moves each 512-byte sector through the data port with rep
 * insw/outsw, and polls the status register between sectors (its interrupt,
 * IRQ 14, stays disabled with nIEN). Used only when no virtio-blk disk is
 * found; slow but simple. A device error (ERR or DF) is logged with the status
 * and error registers and completes the request with BLOCK_ERROR.
 */
#include <stddef.h>
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/disk.h>
#include <kernel/klog.h>

enum {
    ATA_DATA = 0x1F0,
    ATA_ERROR = 0x1F1,
    ATA_SECTOR_COUNT = 0x1F2,
    ATA_LBA_LOW = 0x1F3,
    ATA_LBA_MID = 0x1F4,
    ATA_LBA_HIGH = 0x1F5,
    ATA_DRIVE = 0x1F6,
    ATA_STATUS = 0x1F7,         /* read */
    ATA_COMMAND = 0x1F7,        /* write */
    ATA_CONTROL = 0x3F6,        /* write; reading it is the alternate status */
};

enum {
    ATA_STATUS_ERR = 0x01,
    ATA_STATUS_DRQ = 0x08,
    ATA_STATUS_DF = 0x20,
    ATA_STATUS_BSY = 0x80,
    ATA_CONTROL_NO_INTERRUPT = 0x02,
    ATA_DRIVE_MASTER_LBA = 0xE0,    /* LBA28: bits 27..24 of the address go in the low nibble */
    ATA_DRIVE_MASTER_LBA48 = 0x40,
    ATA_DRIVE_MASTER_IDENTIFY = 0xA0,
    ATA_COMMAND_READ = 0x20,
    ATA_COMMAND_READ_EXT = 0x24,
    ATA_COMMAND_WRITE = 0x30,
    ATA_COMMAND_WRITE_EXT = 0x34,
    ATA_COMMAND_FLUSH = 0xE7,
    ATA_COMMAND_FLUSH_EXT = 0xEA,
    ATA_COMMAND_IDENTIFY = 0xEC,
    SECTOR_SIZE = 512,
    SECTOR_WORDS = SECTOR_SIZE / 2,
    SECTORS_PER_BLOCK = BLOCK_SIZE / SECTOR_SIZE,
    /* Status polls before a command counts as hung: seconds on any real or emulated disk. */
    ATA_POLL_LIMIT = 10000000,
    /* One request may carry this much; it is split into commands of at most 256 sectors. */
    ATA_REQUEST_BLOCKS_MAX = 256,
    ATA_COMMAND_SECTORS_MAX = 256,
};

/* IDENTIFY DEVICE words the driver reads. */
enum {
    IDENTIFY_CAPABILITIES = 49,         /* bit 9: LBA */
    IDENTIFY_LBA28_SECTORS = 60,        /* two words */
    IDENTIFY_COMMAND_SETS = 83,         /* bit 10: LBA48, 12: FLUSH CACHE, 13: FLUSH CACHE EXT */
    IDENTIFY_LBA48_SECTORS = 100,       /* four words */
};

struct ata_disk {
    struct block_device device;
    int lba48;                  /* READ/WRITE SECTORS EXT and 48-bit addresses */
    uint64_t sectors;
};

/* The one ATA disk the kernel drives. */
static struct ata_disk ata_disk;

/* The 400 ns a drive may take to show a new status: four reads of the alternate status. */
static void ata_settle(void)
{
    for (int i = 0; i < 4; i++)
        inb(ATA_CONTROL);
}

/* Polls until BSY clears; returns the status, or 0xFF if the drive never got there. */
static uint8_t ata_wait_not_busy(void)
{
    for (uint32_t polls = 0; polls < ATA_POLL_LIMIT; polls++) {
        uint8_t status = inb(ATA_STATUS);
        if (!(status & ATA_STATUS_BSY))
            return status;
    }
    return 0xFF;
}

static int ata_failed(uint8_t status)
{
    return status == 0xFF || (status & (ATA_STATUS_ERR | ATA_STATUS_DF));
}

static void ata_report(const char *what, uint64_t sector, uint8_t status)
{
    if (status == 0xFF)
        klog(KLOG_ERROR, "ata: %s at sector %llu: the drive stayed busy; no answer",
             what, (unsigned long long)sector);
    else
        klog(KLOG_ERROR, "ata: %s at sector %llu failed: status %#x (%s), error register %#x",
             what, (unsigned long long)sector, status,
             status & ATA_STATUS_DF ? "device fault" : "error", inb(ATA_ERROR));
}

/* Programs the task file for a transfer of count sectors (1..256) at sector and issues command. */
static void ata_issue(int lba48, uint64_t sector, uint32_t count, uint8_t command)
{
    uint8_t count_low = (uint8_t)(count & 0xFF);   /* 256 is written as 0 in LBA28 */
    if (lba48) {
        outb(ATA_DRIVE, ATA_DRIVE_MASTER_LBA48);
        outb(ATA_SECTOR_COUNT, (uint8_t)(count >> 8));     /* high bytes first */
        outb(ATA_LBA_LOW, (uint8_t)(sector >> 24));
        outb(ATA_LBA_MID, (uint8_t)(sector >> 32));
        outb(ATA_LBA_HIGH, (uint8_t)(sector >> 40));
    } else {
        outb(ATA_DRIVE, (uint8_t)(ATA_DRIVE_MASTER_LBA | ((sector >> 24) & 0x0F)));
    }
    outb(ATA_SECTOR_COUNT, count_low);
    outb(ATA_LBA_LOW, (uint8_t)sector);
    outb(ATA_LBA_MID, (uint8_t)(sector >> 8));
    outb(ATA_LBA_HIGH, (uint8_t)(sector >> 16));
    outb(ATA_COMMAND, command);
    ata_settle();
}

/* Waits for the drive to ask for (or offer) the next sector; returns the status, 0 on success. */
static uint8_t ata_wait_data(void)
{
    uint8_t status = ata_wait_not_busy();
    if (ata_failed(status))
        return status;
    return status & ATA_STATUS_DRQ ? 0 : (uint8_t)(status | ATA_STATUS_ERR);
}

/* One READ or WRITE SECTORS (EXT) command; returns 0 or the failing status. */
static uint8_t ata_transfer(struct ata_disk *disk, int write, uint64_t sector, uint32_t count,
                            uint16_t *words)
{
    uint8_t command = disk->lba48 ? (write ? ATA_COMMAND_WRITE_EXT : ATA_COMMAND_READ_EXT)
                                  : (write ? ATA_COMMAND_WRITE : ATA_COMMAND_READ);
    ata_issue(disk->lba48, sector, count, command);
    for (uint32_t i = 0; i < count; i++, words += SECTOR_WORDS) {
        uint8_t status = ata_wait_data();
        if (status)
            return status;
        if (write)
            outsw(ATA_DATA, words, SECTOR_WORDS);
        else
            insw(ATA_DATA, words, SECTOR_WORDS);
        ata_settle();
    }
    uint8_t status = ata_wait_not_busy();      /* a write is done once BSY clears after the last */
    return ata_failed(status) ? status : 0;
}

static uint8_t ata_flush(struct ata_disk *disk)
{
    outb(ATA_DRIVE, ATA_DRIVE_MASTER_LBA);
    outb(ATA_COMMAND, disk->lba48 ? ATA_COMMAND_FLUSH_EXT : ATA_COMMAND_FLUSH);
    ata_settle();
    uint8_t status = ata_wait_not_busy();
    return ata_failed(status) ? status : 0;
}

/* Carries out request in commands of at most 256 sectors; returns its status. */
static enum block_status ata_execute(struct ata_disk *disk, const struct block_request *request)
{
    static const char *const names[] = { "read", "write", "flush" };
    if (request->operation == BLOCK_FLUSH) {
        uint8_t status = ata_flush(disk);
        if (status)
            ata_report(names[BLOCK_FLUSH], 0, status);
        return status ? BLOCK_ERROR : BLOCK_OK;
    }
    int write = request->operation == BLOCK_WRITE;
    uint64_t sector = request->block * SECTORS_PER_BLOCK;
    uint32_t left = request->count * SECTORS_PER_BLOCK;
    uint16_t *words = request->buffer;
    while (left) {
        uint32_t count = left < ATA_COMMAND_SECTORS_MAX ? left : ATA_COMMAND_SECTORS_MAX;
        uint8_t status = ata_transfer(disk, write, sector, count, words);
        if (status) {
            ata_report(names[request->operation], sector, status);
            return BLOCK_ERROR;
        }
        sector += count;
        left -= count;
        words += count * SECTOR_WORDS;
    }
    return BLOCK_OK;
}

/* Polled: the request is finished, and done() called, before this returns. */
static int ata_submit(struct block_device *device, struct block_request *request)
{
    int checked = blockdev_check_request(device, request);
    if (checked != BLOCK_OK)
        return checked;
    request->done(request, ata_execute(device->driver, request));
    return BLOCK_OK;
}

/* IDENTIFY DEVICE on the primary master; 1 and the 256 words if an ATA disk answered. */
static int ata_identify(uint16_t identify[SECTOR_WORDS])
{
    outb(ATA_CONTROL, ATA_CONTROL_NO_INTERRUPT);
    outb(ATA_DRIVE, ATA_DRIVE_MASTER_IDENTIFY);
    ata_settle();
    uint8_t status = inb(ATA_STATUS);
    if (status == 0 || status == 0xFF)
        return 0;               /* nothing there, or a floating bus */
    outb(ATA_SECTOR_COUNT, 0);
    outb(ATA_LBA_LOW, 0);
    outb(ATA_LBA_MID, 0);
    outb(ATA_LBA_HIGH, 0);
    outb(ATA_COMMAND, ATA_COMMAND_IDENTIFY);
    ata_settle();
    if (inb(ATA_STATUS) == 0)
        return 0;
    status = ata_wait_not_busy();
    if (inb(ATA_LBA_MID) != 0 || inb(ATA_LBA_HIGH) != 0)
        return 0;               /* an ATAPI or SATA signature: not a plain ATA disk */
    if (ata_failed(status) || ata_wait_data() != 0)
        return 0;
    insw(ATA_DATA, identify, SECTOR_WORDS);
    return 1;
}

/* Size, addressing and flush support from the IDENTIFY words; 0 if the disk cannot be used. */
static int ata_read_identity(struct ata_disk *disk, const uint16_t *identify)
{
    uint16_t command_sets = identify[IDENTIFY_COMMAND_SETS];
    int sets_valid = (command_sets & 0xC000) == 0x4000;
    disk->lba48 = sets_valid && (command_sets & (1 << 10));
    if (disk->lba48) {
        disk->sectors = 0;
        for (int i = 3; i >= 0; i--)
            disk->sectors = disk->sectors << 16 | identify[IDENTIFY_LBA48_SECTORS + i];
    } else {
        disk->sectors = identify[IDENTIFY_LBA28_SECTORS]
                        | (uint32_t)identify[IDENTIFY_LBA28_SECTORS + 1] << 16;
    }
    if (!(identify[IDENTIFY_CAPABILITIES] & (1 << 9)) || disk->sectors < SECTORS_PER_BLOCK) {
        klog(KLOG_WARNING, "ata: the primary master has no LBA or under 4 KiB; not used");
        return 0;
    }
    int flush_bit = disk->lba48 ? 13 : 12;
    disk->device.can_flush = sets_valid && (command_sets & (1 << flush_bit));
    return 1;
}

struct block_device *ata_probe(void)
{
    uint16_t identify[SECTOR_WORDS];
    struct ata_disk *disk = &ata_disk;
    if (!ata_identify(identify) || !ata_read_identity(disk, identify))
        return NULL;
    disk->device.name = "ata";
    disk->device.block_count = disk->sectors / SECTORS_PER_BLOCK;
    disk->device.max_blocks = ATA_REQUEST_BLOCKS_MAX;
    disk->device.submit = ata_submit;
    disk->device.driver = disk;
    klog(KLOG_DEBUG, "ata: primary master, %llu sectors, LBA%s, flush %s",
         (unsigned long long)disk->sectors, disk->lba48 ? "48" : "28",
         disk->device.can_flush ? "yes" : "no");
    return &disk->device;
}
