"""The user network stack against Linux's own: build/net-tap-echo on a tap in a private network namespace.

Linux resolves the stack's MAC with ARP, pings it 20 times and sends it 1,003
numbered UDP datagrams (1 to 64 bytes, then 0, 1,471 and 1,472), one at a
time; every answer must come back whole. Linux checks the stack's checksums
itself: it drops a datagram or an echo reply whose checksum is wrong. The
namespace (`unshare --net`) holds every packet and goes away with the test's
process; a machine where it cannot be made fails the test, saying why.
"""

import json
import re
import subprocess

from conftest import ROOT

TOOL = ROOT / "build" / "net-tap-echo"
CLIENT = ROOT / "tests" / "net_tap_client.py"
TOOL_SECONDS = 40       # at most: the client stops it with a datagram to port 9


def test_linux_pings_and_echoes_through_the_stack():
    assert TOOL.exists(), "build/net-tap-echo is missing: run 'make'"
    run = subprocess.run(["unshare", "--net", "/usr/bin/python3", str(CLIENT), str(TOOL),
                          str(TOOL_SECONDS)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=60)
    assert run.returncode == 0, "cannot run in a network namespace of its own:\n" + run.stdout
    result = json.loads(run.stdout.splitlines()[-1])
    assert "error" not in result, result["error"]
    output = result["tool_output"]
    assert result["tool_status"] == 0, output
    assert result["pings_answered"] == result["pings_sent"], (result, output)
    assert result["udp_echoed"] == result["udp_sent"], (result, output)
    # Linux's own packets that are not for this stack (none expected with IPv6 off) are the
    # only drops allowed: nothing Linux sent was refused as malformed.
    drops = dict(re.findall(r"^net-tap-echo: dropped ([\w-]+) (\d+)$", output, re.M))
    assert set(drops) <= {"not-our-mac", "ether-type"}, output
    udp_in = re.search(r"udp in (\d+) out (\d+)", output)
    assert udp_in and int(udp_in.group(1)) == result["udp_sent"] + 1, output     # and "stop"
    assert int(udp_in.group(2)) == result["udp_sent"], output
