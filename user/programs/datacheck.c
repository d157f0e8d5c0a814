/* datacheck: reads the image's whole data set (loaded page by page on first touch) and checks its checksum. */
#include <cairn/user.h>

int main(void)
{
    const struct cairn_start_info *info = cairn_start_info;
    if (!info->data_address || !info->data_size) {
        printf("datacheck: FAILED: this image has no data set (tools/mkimage --data-mib N)\n");
        return 1;
    }
    const uint8_t *data = (const uint8_t *)(uintptr_t)info->data_address;
    uint64_t checksum = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < info->data_size; i++) {
        checksum = (checksum ^ data[i]) * 0x100000001b3ull;
        if ((i + 1) % (16u << 20) == 0)
            printf("datacheck: %u MiB read\n", (i + 1) >> 20);
    }
    struct cairn_stats stats;
    cairn_stats(&stats);
    if (checksum != info->data_checksum) {
        printf("datacheck: FAILED: checksum %#llx, expected %#llx\n",
               (unsigned long long)checksum, (unsigned long long)info->data_checksum);
        return 1;
    }
    printf("datacheck: %u MiB checked, checksum ok (%u of %u frames free)\n",
           info->data_size >> 20, stats.free_frames, stats.total_frames);
    return 0;
}
