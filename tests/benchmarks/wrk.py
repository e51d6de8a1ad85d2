"""wrk, the C load generator, when this machine has it (`make bench` installs Debian's
package when run as root): it spends far less CPU than our asyncio client, so on a
2-core machine more of the cores go to the servers being compared.

wrk prints a human summary; a small Lua `done` hook makes it print the run's totals and
its whole latency histogram instead, which we read back into a Load."""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks.loadgen import Load

# summary: duration (µs), requests, errors by kind; then every distinct latency (µs)
# with how many requests took it.
_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("summary %d %d %d %d %d %d %d\\n", summary.duration,
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("latency %d %d\\n", value, count))
  end
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Load:
    """Ask `path` over `connections` keep-alive connections for `seconds` (whole seconds:
    wrk takes no fractions), with two wrk threads."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(_REPORT)
        command = [
            wrk_path() or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, math.ceil(seconds))}s",
            f"--timeout={max(1, math.ceil(timeout))}s",
            "-s",
            str(script),
        ]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://{host}:{port}{path}")
        printed = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    return _read_report(printed)


def _read_report(printed: str) -> Load:
    load = Load()
    for line in printed.splitlines():
        kind, *numbers = line.split()
        if kind == "summary":
            duration, requests, connect, read, write, status, timed_out = map(int, numbers)
            load.seconds = duration / 1_000_000
            load.requests = requests
            # A status over 399 is an answered request that failed; the socket kinds are
            # connections refused, reset or cut mid-answer.
            load.errors = connect + read + write + status
            load.timeouts = timed_out
        elif kind == "latency":
            micros, count = map(int, numbers)
            load.latencies_ms += [micros / 1000] * count
    if not load.seconds:
        raise RuntimeError(f"wrk printed no summary:\n{printed}")
    return load
