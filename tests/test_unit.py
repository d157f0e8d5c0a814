"""Runs every host unit test of build/unit-tests (tests/unit/*.c) as its own pytest test."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT_TESTS = ROOT / "build" / "unit-tests"
# The crash-point test alone takes about 20 s on a quiet host and 40 s or more on a loaded
# one (2 cores, QEMU beside it): the limit is for a hang, not for speed.
RUN_SECONDS = 150


def run_unit_tests(*arguments):
    return subprocess.run([str(UNIT_TESTS), *arguments], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=RUN_SECONDS)


def collect_unit_tests():
    """One parameter per registered test; known kernel bugs are strict expected failures.

    When the test list cannot be had, one parameter holding the reason instead, so that
    the run fails rather than silently collecting nothing.
    """
    if not UNIT_TESTS.exists():
        return [pytest.param(("build/unit-tests is missing: run 'make unit-tests'",),
                             id="unit-tests-not-built")]
    listing = run_unit_tests("--list")
    known = run_unit_tests("--known-bugs")
    if listing.returncode != 0 or known.returncode != 0 or not listing.stdout.split():
        return [pytest.param(("build/unit-tests --list failed:\n" + listing.stdout
                              + known.stdout,), id="unit-tests-list-failed")]
    reasons = dict(line.split("\t", 1) for line in known.stdout.splitlines() if line)
    return [pytest.param(name, id=name,
                         marks=[pytest.mark.xfail(strict=True, reason=reasons[name])]
                         if name in reasons else [])
            for name in listing.stdout.split()]


@pytest.mark.timeout(RUN_SECONDS + 10)
@pytest.mark.parametrize("name", collect_unit_tests())
def test_unit(name):
    if isinstance(name, tuple):
        pytest.fail(name[0], pytrace=False)
    result = run_unit_tests("--run", name)
    assert result.returncode == 0, result.stdout


@pytest.mark.timeout(RUN_SECONDS + 10)
def test_unit_runner_summary_counts_every_test():
    listed = run_unit_tests("--list").stdout.split()
    known = run_unit_tests("--known-bugs").stdout.splitlines()
    result = run_unit_tests()
    lines = result.stdout.splitlines()
    assert lines, "build/unit-tests printed nothing"
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1])
    assert summary, "last line is not 'N passed, N failed': %r" % lines[-1]
    assert (int(summary.group(1)), int(summary.group(2))) == (len(listed) - len(known), 0), \
        result.stdout
    assert result.returncode == 0
    results = [line for line in lines if re.match(r"(not )?ok - ", line)]
    assert len(results) == len(listed)


def test_unit_runner_rejects_unknown_test():
    result = run_unit_tests("--run", "no_such_unit_test")
    assert result.returncode == 2
    assert "no_such_unit_test" in result.stdout
