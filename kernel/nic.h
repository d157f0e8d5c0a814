/* The system's network card, as the rest of the kernel sees it (kernel/obj/nic.c). */
#ifndef KERNEL_NIC_H
#define KERNEL_NIC_H

#include <stdint.h>

struct bank;
struct capability;
struct cairn_disk_nic;

/* At boot, after the disks: finds the card (virtio-net), reads net.ip, and logs one line,
 * "net: virtio-net 52:54:00:12:34:56, 10.0.2.15/24" or "net: none". On a stored system, also
 * takes the NIC object's OID from the root record. */
void nic_init(void);

/* Is there a card this boot? Hands it a frame; 0 when it has no room (or there is none). */
int nic_present(void);
int nic_transmit(const void *frame, uint32_t length);

/* The capability to the system's NIC object that the kernel gives the programs it starts
 * (slot CAIRN_SLOT_NIC), made from bank the first time; 0 (and an empty capability) when
 * that bank has no room. */
int nic_system_capability(struct bank *bank, struct capability *capability);

/* For a snapshot: the NIC object's OID and version, for the root record. */
void nic_to_disk(struct cairn_disk_nic *disk);

/* May a process waiting in NIC_RECEIVE (BLOCK_NIC) run its call again: a frame is there, or
 * its deadline (at now) has passed? */
struct process;
int nic_receive_due(const struct process *process, uint64_t now);

/* Received frames waiting for NIC_RECEIVE; frames received and dropped since boot. */
int nic_frames_waiting(void);
extern volatile uint32_t nic_frames_in, nic_frames_dropped;

/* What NIC_INFO tells (and STATS its counters): the card, net.ip, the frames. */
struct cairn_nic_info;
void nic_figures(struct cairn_nic_info *info);

#endif
