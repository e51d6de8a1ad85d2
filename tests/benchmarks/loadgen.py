"""A bounded HTTP/1.1 load generator: C keep-alive connections asking one path for a few
seconds, counting answers, errors and latencies, for a machine without wrk
(tests/benchmarks/wrk.py). It is plain asyncio, so it spends CPU too: compare servers
side by side in one run, never against numbers from another machine."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Load:
    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(
        (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")),
        0,
    )
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, request: bytes, until: float, load: Load, timeout: float
) -> None:
    reader = writer = None
    while time.monotonic() < until:
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), timeout
                )
            started = time.perf_counter()
            writer.write(request)
            status = await asyncio.wait_for(_read_answer(reader), timeout)
            load.latencies_ms.append((time.perf_counter() - started) * 1000)
            load.requests += 1
            if status >= 400:
                load.errors += 1
        except TimeoutError:
            load.timeouts += 1
            writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            load.errors += 1
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def run_load(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Load:
    """Ask `path` over `connections` keep-alive connections for `seconds`."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()
    load = Load()

    async def main() -> None:
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(_connection(host, port, request, until, load, timeout) for _ in range(connections))
        )
        load.seconds = time.monotonic() - started

    asyncio.run(main())
    return load
