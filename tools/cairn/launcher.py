"""The launcher: tools/cairn-qemu's options and the QEMU command line they make.

tools/cairn-qemu boots Cairn in QEMU; it is the one launcher used by make
run, the tests, the benchmarks and every tool that drives a guest.

The serial console is this program's standard input and output. The exit
status is the guest's: the kernel writes a status to isa-debug-exit and QEMU
exits with 2*status+1, which is turned back into status here. When QEMU ends
any other way (killed, or quit from its monitor) the status is 128+signal or
QEMU's own code, and a line on standard error says so.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys

from cairn import BUILD, FRESH_IMAGE

DEFAULT_ISO = os.path.join(BUILD, "cairn.iso")
DEFAULT_KERNEL = os.path.join(BUILD, "kernel.elf")
DEBUG_EXIT_PORT = "0xf4"
# QEMU's own 32-bit model, as with no -cpu at all. It has no SSE4.2, so the kernel checksums
# with its tables: TCG computes the crc32 instruction bit by bit, 5-6 times slower in wall time
# than the tables (ktest timing, 2026-12-02), though it is a third of their guest instructions.
DEFAULT_CPU = "qemu32"
SSE42_CPU = "qemu32,+sse4.2"        # with the crc32 instruction (arch/i386/crc32c.c)
# The MAC address --tap gives the guest: fixed, so that peers' ARP caches stay right across
# power cuts and boots.
TAP_MAC = "52:54:00:12:34:56"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="cairn-qemu",
        description="Boot Cairn in QEMU (TCG, no network) with the serial console on stdio.",
        epilog="Arguments after -- go to QEMU unchanged.")
    parser.add_argument("--iso", default=DEFAULT_ISO, help="boot ISO (default: build/cairn.iso)")
    parser.add_argument("--kernel-direct", action="store_true",
                        help="boot build/kernel.elf with QEMU -kernel (Multiboot1, faster) "
                             "instead of the GRUB ISO")
    parser.add_argument("--disk", metavar="FILE",
                        help="attach FILE as the system disk; a FILE that does not exist is "
                             "first made a copy of build/fresh.img")
    parser.add_argument("--snapshot", action="store_true",
                        help="keep the disk unchanged: QEMU writes to a temporary overlay")
    parser.add_argument("--disk-format", default="raw", choices=["raw", "qcow2"],
                        help="format of the disk file (default: raw; qcow2 allows QEMU's savevm)")
    parser.add_argument("--cache", default="writeback", choices=["writeback", "unsafe"],
                        help="QEMU's cache mode for the disk (default writeback: the guest's "
                             "flushes reach the host's disk; unsafe ignores them, for tests that "
                             "kill QEMU, where every write already passed on survives anyway)")
    parser.add_argument("--aio", default="auto", choices=["auto", "native", "threads"],
                        help="how QEMU hands the disk's writes to Linux: native, the virtual "
                             "CPU's own thread submits each one with Linux AIO and O_DIRECT "
                             "(a short output window, docs/abi.md); threads, QEMU's worker "
                             "threads write through the host's page cache (faster reads); auto "
                             "(default): native for a disk that keeps its writes (not "
                             "--snapshot) on a file system that takes O_DIRECT, else threads")
    parser.add_argument("--fail-writes", action="store_true",
                        help="the disk fails every write with an I/O error (QEMU's blkdebug), "
                             "reads still work: for tests of what a failing disk does; not "
                             "with --snapshot, whose overlay would take the writes")
    parser.add_argument("--disk-interface", default="virtio", choices=["virtio", "ide"],
                        help="how the disk is attached (default: virtio)")
    parser.add_argument("--tap", metavar="IFNAME",
                        help="attach a virtio-net card to the existing tap interface IFNAME "
                             "(no scripts run), with the fixed MAC address %s, the same on "
                             "every boot; without it the guest has no network card" % TAP_MAC)
    parser.add_argument("--cmdline", default="", metavar="ARGS",
                        help="kernel command line for this boot (through fw_cfg opt/cairn/cmdline)")
    parser.add_argument("--mem", type=int, default=128, metavar="MIB",
                        help="guest memory in MiB (default: 128)")
    parser.add_argument("--log", metavar="FILE", help="write a copy of the serial output to FILE")
    parser.add_argument("--gdb", action="store_true",
                        help="start halted with a gdb stub on localhost:1234")
    parser.add_argument("--cpu", default=DEFAULT_CPU, metavar="MODEL",
                        help="QEMU's CPU model (default %s, QEMU's own; %s adds SSE4.2, "
                             "whose crc32 instruction the kernel then checksums with: fewer "
                             "guest instructions, but slower under TCG than the kernel's "
                             "tables)" % (DEFAULT_CPU, SSE42_CPU))
    parser.add_argument("--icount", action="store_true",
                        help="-icount shift=0,sleep=off: rdtsc counts guest instructions")
    parser.add_argument("--qmp", metavar="SOCKET",
                        help="serve QEMU's QMP monitor on the Unix socket SOCKET (for tools/bench)")
    parser.add_argument("--pidfile", metavar="FILE", help="write QEMU's process ID to FILE")
    parser.add_argument("--display", default="none",
                        help="QEMU display for the VGA console (default: none)")
    parser.add_argument("qemu_arguments", nargs="*", metavar="-- QEMU-ARGS")
    return parser.parse_args(argv)


def console_arguments(arguments):
    """Serial console on stdio: with the QEMU monitor multiplexed (Ctrl-A X) on a terminal."""
    chardev = "stdio,id=console,signal=off"
    if arguments.log:
        chardev += ",logfile=" + arguments.log + ",logappend=off"
    if sys.stdin.isatty():
        return ["-chardev", chardev + ",mux=on", "-serial", "chardev:console",
                "-mon", "chardev=console,mode=readline"]
    return ["-chardev", chardev, "-serial", "chardev:console", "-monitor", "none"]


def takes_direct_io(path):
    """Can path be opened with O_DIRECT (not on every file system)?"""
    if not hasattr(os, "O_DIRECT"):
        return False
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_DIRECT))
        return True
    except OSError:
        return False


def chosen_aio(arguments):
    """What --aio auto means for this disk: native when its writes are kept and its file
    system takes O_DIRECT; a line on standard error when the window must stay long."""
    if arguments.snapshot:
        return "threads"            # nothing is kept: no output window to shorten
    if takes_direct_io(arguments.disk):
        return "native"
    sys.stderr.write("cairn-qemu: %s does not take O_DIRECT; using aio=threads, so the output "
                     "window is longer (docs/abi.md)\n" % arguments.disk)
    return "threads"


def drive_io(arguments):
    """The -drive options for the cache mode and the way writes reach Linux."""
    if arguments.aio != "native":
        return "cache=" + arguments.cache
    # Linux AIO needs O_DIRECT; unsafe still ignores the guest's flushes.
    return "cache.direct=on,aio=native" + (",cache.no-flush=on" if arguments.cache == "unsafe"
                                           else "")


def network_arguments(arguments):
    """A virtio-net card on the tap interface --tap names, or none at all."""
    if not arguments.tap:
        return ["-nic", "none"]
    return ["-netdev", "tap,id=net0,ifname=%s,script=no,downscript=no"
            % arguments.tap.replace(",", ",,"),
            "-device", "virtio-net-pci,netdev=net0,mac=%s" % TAP_MAC]


def qemu_command(arguments):
    command = ["qemu-system-i386", "-accel", "tcg", "-cpu", arguments.cpu]
    command += network_arguments(arguments)
    command += ["-no-reboot", "-m", str(arguments.mem), "-display", arguments.display,
               "-device", "isa-debug-exit,iobase=%s,iosize=4" % DEBUG_EXIT_PORT]
    if arguments.kernel_direct:
        command += ["-kernel", DEFAULT_KERNEL]
    else:
        command += ["-cdrom", arguments.iso, "-boot", "d"]
    command += console_arguments(arguments)
    if arguments.cmdline:
        # QEMU ends an option value at a comma unless it is doubled.
        command += ["-fw_cfg", "name=opt/cairn/cmdline,string="
                    + arguments.cmdline.replace(",", ",,")]
    if arguments.disk and arguments.fail_writes:
        # blkdebug between the format and the file: every write fails with EIO (5).
        command += ["-drive", "driver=%s,file.driver=blkdebug,file.inject-error.0.event=pwritev,"
                    "file.inject-error.0.iotype=write,file.inject-error.0.errno=5,"
                    "file.image.driver=file,file.image.filename=%s,if=%s,%s,werror=report"
                    % (arguments.disk_format, arguments.disk.replace(",", ",,"),
                       arguments.disk_interface, drive_io(arguments))]
    elif arguments.disk:
        command += ["-drive", "file=%s,format=%s,if=%s,%s%s"
                    % (arguments.disk.replace(",", ",,"), arguments.disk_format,
                       arguments.disk_interface, drive_io(arguments),
                       ",snapshot=on" if arguments.snapshot else "")]
        if arguments.aio == "native":
            # The notify is handled in the virtual CPU's own thread, which submits at once.
            command += ["-global", "virtio-blk-pci.ioeventfd=off"]
    if arguments.icount:
        command += ["-icount", "shift=0,sleep=off"]
    if arguments.gdb:
        command += ["-S", "-gdb", "tcp:localhost:1234"]
    if arguments.qmp:
        command += ["-qmp", "unix:%s,server=on,wait=off" % arguments.qmp.replace(",", ",,")]
    if arguments.pidfile:
        command += ["-pidfile", arguments.pidfile]
    return command + arguments.qemu_arguments


def guest_status(returncode):
    """Turns QEMU's exit code back into the status the guest wrote to isa-debug-exit."""
    if returncode < 0:
        sys.stderr.write("cairn-qemu: QEMU was killed by signal %d\n" % -returncode)
        return 128 - returncode
    if returncode % 2 == 1:
        return (returncode - 1) // 2
    if returncode != 0:
        sys.stderr.write("cairn-qemu: QEMU failed with exit code %d\n" % returncode)
    return returncode


def main(argv):
    arguments = parse_arguments(argv)
    if shutil.which("qemu-system-i386") is None:
        sys.stderr.write("cairn-qemu: qemu-system-i386 not found; run 'make' or tools/deps.sh\n")
        return 2
    image = DEFAULT_KERNEL if arguments.kernel_direct else arguments.iso
    if not os.path.exists(image):
        sys.stderr.write("cairn-qemu: %s not found; run 'make' first\n" % image)
        return 2
    if arguments.disk and not os.path.exists(arguments.disk):
        if not os.path.exists(FRESH_IMAGE):
            sys.stderr.write("cairn-qemu: %s not found; run 'make' first\n" % FRESH_IMAGE)
            return 2
        sys.stderr.write("cairn-qemu: %s does not exist: making it a copy of the fresh image "
                         "build/fresh.img\n" % arguments.disk)
        shutil.copyfile(FRESH_IMAGE, arguments.disk)
    if arguments.fail_writes and (arguments.snapshot or not arguments.disk):
        sys.stderr.write("cairn-qemu: --fail-writes needs --disk FILE and not --snapshot\n")
        return 2
    if arguments.disk and arguments.aio == "auto":
        arguments.aio = "threads" if arguments.fail_writes else chosen_aio(arguments)
    process = subprocess.Popen(qemu_command(arguments))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, frame: process.send_signal(number))
    return guest_status(process.wait())
