"""Shared test machinery: boots Cairn through tools/cairn-qemu with deadlines, and always kills QEMU.

A test asks the `boot` fixture for a guest (tools/cairn/guest.py, read with
pexpect), waits for output with `guest.expect(regex)`, types with
`guest.send(text)`, and reads the exit status with `guest.wait_exit()`. Every
wait has a deadline; every test has a time limit, pytest-timeout's `timeout`
marker (TEST_TIME_LIMIT_SECONDS unless the test sets a longer one), which
bounds the test's body; the fixture's teardown then kills QEMU (by the PID in
its pidfile) and the launcher whatever happened.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))     # the harness package, tools/cairn/

import cairn.guest  # noqa: E402
import cairn.netns as network_namespace  # noqa: E402

FRESH_IMAGE = Path(cairn.FRESH_IMAGE)   # the default disk, attached read-only (--snapshot)
TEST_TIME_LIMIT_SECONDS = 30


class Guest(cairn.guest.Guest):
    """cairn.guest.Guest as the tests boot it: a disk that is kept is attached with --cache
    unsafe, and a failed wait fails the test with the console's end, without a traceback."""

    def __init__(self, workdir, cmdline="", mem=None, kernel_direct=False, disk=FRESH_IMAGE,
                 snapshot=True, extra=(), environment=None, netns=None):
        # A test that cuts the power kills QEMU, which keeps every write it passed on: host
        # flushes would only widen the moment between a commit reaching the image and its
        # output reaching the console (docs/abi.md).
        cache = "unsafe" if disk is not None and not snapshot else None
        if netns is not None:   # QEMU runs inside the namespace, its card on the tap there
            extra = ["--tap", netns.tap] + list(extra)
        super().__init__(cairn.guest.launcher_arguments(cmdline, mem, kernel_direct, disk,
                                                        snapshot, cache, extra), workdir,
                         environment)
        if netns is not None:
            self.command = netns.wrap(self.command)

    def fail(self, message):
        pytest.fail(message, pytrace=False)


@pytest.fixture
def boot(tmp_path):
    """boot(cmdline="", mem=None, kernel_direct=False, ...) starts a guest (the arguments of
    Guest after its workdir; netns, the `netns` fixture's namespace, runs QEMU in it with its
    card on the namespace's tap); teardown kills them all."""
    guests = []

    def start(cmdline="", mem=None, kernel_direct=False, disk=FRESH_IMAGE, snapshot=True,
              extra=(), environment=None, netns=None):
        guest = Guest(tmp_path / ("guest%d" % len(guests)), cmdline, mem, kernel_direct, disk,
                      snapshot, extra, environment, netns)
        guests.append(guest)
        return guest.start()

    try:
        yield start
    finally:
        for guest in guests:
            guest.close()


@pytest.fixture
def netns():
    """A network namespace with tap0 up and the host at 10.0.2.2/24 (tools/cairn/netns.py); boot a
    guest in it with boot(..., netns=netns). Deleted afterwards, also when the test fails. A
    namespace that cannot be made fails the test with the reason (tests run as root)."""
    namespace = network_namespace.Namespace()
    try:
        try:
            namespace.create()
        except (network_namespace.NamespaceError, OSError) as error:
            pytest.fail("cannot make a network namespace for this test: %s" % error,
                        pytrace=False)
        yield namespace
    finally:
        namespace.delete()


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("timeout"):
        raise pytest.UsageError("pytest-timeout is missing: run tools/deps.sh (Debian's "
                                "python3-pytest-timeout)")


def pytest_collection_modifyitems(items):
    """Every test without its own `timeout` marker gets the default limit. The signal method
    fails only the test, and func_only leaves setup and teardown (which kills QEMU) outside."""
    for item in items:
        marker = item.get_closest_marker("timeout")
        seconds = marker.args[0] if marker and marker.args else TEST_TIME_LIMIT_SECONDS
        item.add_marker(pytest.mark.timeout(seconds, method="signal", func_only=True),
                        append=False)


def pytest_unconfigure(config):
    """The one closing line of make test: `N passed, N failed` (errors count as failures)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not reporter.stats:
        return
    passed = len(reporter.stats.get("passed", []))
    failed = len(reporter.stats.get("failed", [])) + len(reporter.stats.get("error", []))
    others = ["%d %s" % (len(reporter.stats[key]), word)
              for key, word in (("xfailed", "known bugs"), ("skipped", "skipped"))
              if reporter.stats.get(key)]
    reporter.write_line("%d passed, %d failed%s" % (passed, failed,
                                                      " (%s)" % ", ".join(others) if others else ""))
