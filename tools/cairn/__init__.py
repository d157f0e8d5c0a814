"""cairn: the one Python harness for everything that drives a Cairn guest (docs/tools.md).

    cairn.launcher   tools/cairn-qemu's options and the QEMU command line they make
    cairn.guest      Guest: one boot through the launcher, its console read with pexpect
    cairn.qmp        Qmp: QEMU's QMP monitor on the socket of tools/cairn-qemu --qmp
    cairn.powercut   power cuts of one image running counter and pingpong (tools/powercut)
    cairn.crashtest  crash states of a recorded run, explored and booted (tools/crashtest)
    cairn.demo       the scripted tour across two power cuts (tools/demo)
    cairn.bench      the benchmark table (tools/bench)

The executables in tools/ are a few lines each over these modules, and the tests import them
(tests/conftest.py puts tools/ on the import path).
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
LAUNCHER = os.path.join(ROOT, "tools", "cairn-qemu")
FRESH_IMAGE = os.path.join(BUILD, "fresh.img")     # the first-boot image make builds
WINDOW_SHIM = os.path.join(BUILD, "window-shim.so")   # tools/window-shim.c: the output window


def window_shim_environment(log):
    """The environment that loads the window shim into QEMU, its events going to log."""
    return dict(os.environ, LD_PRELOAD=WINDOW_SHIM, CAIRN_WINDOW_LOG=str(log))
