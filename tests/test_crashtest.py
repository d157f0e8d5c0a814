"""A small slice of `make crashtest`: record a short counter run, explore its crash states, boot
two of them; and the explorer's self-test (a record with the data flushes forgotten must fail)."""
import re
import subprocess

import pytest

from image_tools import ROOT


@pytest.mark.timeout(300)
def test_crash_states_of_a_short_run_recover(tmp_path):
    result = subprocess.run([str(ROOT / "tools" / "crashtest"), "--lines", "25", "--boots", "2",
                             "--tears", "6", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=280)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    explored = int(re.search(r"(\d+) crash states explored, (\d+) booted", output).group(1))
    assert explored >= 300 and ", 0 problems" in output, output
    # The same record with the flushes before each commit dropped: the explorer must object.
    result = subprocess.run([str(ROOT / "build" / "crash-explore"), "--drop-flushes",
                             str(tmp_path / "base.img"), str(tmp_path / "writes.log")],
                            capture_output=True, text=True, timeout=280)
    assert result.returncode == 1 and "inconsistent:" in result.stdout, result.stdout
