/* outlat: answers every console line at once, for the output-latency benchmark; "stats" reports STATS; "outlat net" echoes frames. */
#include <cairn/user.h>

/*
 * Each line read is answered with one line, "outlat: got LINE", written
 * right away: with output commit on, the host sees it only once the
 * checkpoint covering that write has committed, so the host's round trip
 * (line sent to answer received) is the input path plus the time the answer
 * was held. "stats" answers with the kernel's own figures of how long
 * released output was held, over the answers since the previous "stats"
 * (average) and since boot (maximum), from STATS.
 */
static struct cairn_stats previous;

static void outlat_stats(void)
{
    struct cairn_stats now;
    cairn_stats(&now);
    uint32_t releases = now.output_releases - previous.output_releases;
    uint64_t held_us = (uint64_t)now.output_held_us_average * now.output_releases -
                       (uint64_t)previous.output_held_us_average * previous.output_releases;
    printf("outlat: releases=%u held_us_average=%llu held_us_max=%u bytes=%u checkpoints=%u\n",
           releases, (unsigned long long)(releases ? held_us / releases : 0),
           now.output_held_us_max, now.output_bytes - previous.output_bytes,
           now.checkpoints - previous.checkpoints);
    previous = now;
}

/*
 * "outlat net": the same for the network. Every Ethernet frame the NIC (slot
 * 3) receives is sent back at once, with the sender's MAC address as its
 * destination and the card's as its source; with output commit on, the host
 * gets it only once the checkpoint covering the send has committed. It
 * prints nothing per frame. Before it starts it says what NIC_INFO and a
 * receive with a deadline answered, so tests see both calls work.
 */
static int outlat_net(void)
{
    static uint8_t frame[CAIRN_NIC_FRAME_MAX];
    struct cairn_nic_info info;
    uint32_t length, status = cairn_nic_info(CAIRN_SLOT_NIC, &info);
    if (status != CAIRN_OK) {
        printf("outlat: FAILED: NIC_INFO says %s\n", status_name(status));
        return 1;
    }
    status = cairn_nic_receive(CAIRN_SLOT_NIC, frame, sizeof frame, clock_now_ns() + 50 * NS_PER_MS,
                               &length);
    printf("outlat: net %02x:%02x:%02x:%02x:%02x:%02x present %u, a receive for 50 ms says %s\n",
           info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5],
           info.present, status_name(status));
    if (!info.present)
        return 0;
    printf("outlat: echoing frames\n");
    for (;;) {
        status = cairn_nic_receive(CAIRN_SLOT_NIC, frame, sizeof frame, CAIRN_NIC_NO_DEADLINE,
                                   &length);
        if (status == CAIRN_OK) {
            memcpy(frame, frame + 6, 6);
            memcpy(frame + 6, info.mac, 6);
            status = cairn_nic_send(CAIRN_SLOT_NIC, frame, length);
        }
        if (status != CAIRN_OK) {
            printf("outlat: FAILED: a frame: %s\n", status_name(status));
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    static char line[128];
    if (argc > 1 && strcmp(argv[1], "net") == 0)
        return outlat_net();
    cairn_stats(&previous);
    printf("outlat: ready\n");
    for (;;) {
        if (console_read_line(line, sizeof line) < 0) {
            printf("outlat: FAILED: console read refused\n");
            return 1;
        }
        if (strcmp(line, "stats") == 0)
            outlat_stats();
        else
            printf("outlat: got %s\n", line);
    }
}
