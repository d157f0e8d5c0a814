"""cairn.launcher: the QEMU command line tools/cairn-qemu makes for the system disk (no QEMU runs)."""

from cairn import launcher


def command_for(argv):
    arguments = launcher.parse_arguments(argv)
    if arguments.aio == "auto":
        arguments.aio = launcher.chosen_aio(arguments)
    return launcher.qemu_command(arguments)


def drive_of(command):
    return command[command.index("-drive") + 1]


def test_native_submits_from_the_virtual_cpu_with_direct_io(tmp_path):
    command = command_for(["--disk", str(tmp_path / "a.img"), "--aio", "native",
                           "--cache", "unsafe"])
    drive = drive_of(command).split(",")
    assert {"cache.direct=on", "aio=native", "cache.no-flush=on"} <= set(drive), drive
    assert not [option for option in drive if option.startswith("cache=")], drive
    assert command[command.index("-global") + 1] == "virtio-blk-pci.ioeventfd=off"


def test_native_with_writeback_keeps_the_guests_flushes(tmp_path):
    drive = drive_of(command_for(["--disk", str(tmp_path / "a.img"), "--aio", "native"]))
    assert "cache.direct=on" in drive and "no-flush" not in drive, drive


def test_threads_is_qemus_own_way(tmp_path):
    command = command_for(["--disk", str(tmp_path / "a.img"), "--aio", "threads",
                           "--cache", "unsafe"])
    assert "cache=unsafe" in drive_of(command).split(",") and "-global" not in command
    assert "aio=" not in drive_of(command)


def test_auto_is_native_for_a_kept_disk_that_takes_direct_io(tmp_path, monkeypatch):
    image = tmp_path / "a.img"
    image.write_bytes(bytes(4096))
    monkeypatch.setattr(launcher, "takes_direct_io", lambda path: path == str(image))
    assert launcher.chosen_aio(launcher.parse_arguments(["--disk", str(image)])) == "native"


def test_a_file_that_cannot_be_opened_does_not_take_direct_io(tmp_path):
    assert not launcher.takes_direct_io(str(tmp_path / "missing.img"))


def test_auto_is_threads_under_snapshot_and_without_direct_io(tmp_path, monkeypatch, capsys):
    image = tmp_path / "a.img"
    image.write_bytes(bytes(4096))
    assert launcher.chosen_aio(launcher.parse_arguments(["--disk", str(image),
                                                         "--snapshot"])) == "threads"
    monkeypatch.setattr(launcher, "takes_direct_io", lambda path: False)
    assert launcher.chosen_aio(launcher.parse_arguments(["--disk", str(image)])) == "threads"
    assert "does not take O_DIRECT" in capsys.readouterr().err


def test_without_tap_the_guest_has_no_network_card():
    command = command_for(["--aio", "threads"])
    assert command[command.index("-nic") + 1] == "none"
    assert "-netdev" not in command


def test_tap_attaches_virtio_net_with_the_fixed_mac():
    command = command_for(["--aio", "threads", "--tap", "tap0"])
    assert "-nic" not in command
    assert command[command.index("-netdev") + 1] == \
        "tap,id=net0,ifname=tap0,script=no,downscript=no"
    assert command[command.index("-device", command.index("-netdev")) + 1] == \
        "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56"
