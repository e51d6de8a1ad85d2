"""Print the median of each budgeted Lighthouse number per page, from `lhci collect` results.

Usage: python lighthouse/summary.py .lighthouseci STATUS LOAD_BEFORE

Reads every run (lhr-*.json) that `lhci collect` saved, groups them by page and prints one
row per page: median LCP, CLS and TBT, the median category scores, and Lighthouse's own
CPU benchmark. The medians are the same numbers `lhci assert` checks
(aggregationMethod "median"), so the table and the pass/fail verdict agree.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = (
    ("LCP ms", "largest-contentful-paint", ".0f"),
    ("CLS", "cumulative-layout-shift", ".3f"),
    ("TBT ms", "total-blocking-time", ".0f"),
)
# Lighthouse's CPU benchmark for a machine it considers average is about 1000-2000; well
# below that the machine was busy, and the CPU-bound numbers (TBT above all: simulated
# throttling multiplies the CPU time it observed by 4) come out inflated.
BUSY_BENCHMARK = 1000


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def load_runs(folder: Path) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("lhr-*.json")):
        lhr = json.loads(path.read_text(encoding="utf-8"))
        runs.setdefault(lhr["requestedUrl"], []).append(lhr)
    return runs


def page_row(url: str, lhrs: list[dict[str, Any]]) -> tuple[list[str], float | None]:
    """One table row for a page, and the median CPU benchmark of its runs."""
    row = [urlsplit(url).path, str(len(lhrs))]
    for _, audit_id, pattern in METRICS:
        values = [lhr["audits"].get(audit_id, {}).get("numericValue") for lhr in lhrs]
        row.append(fmt(median(values), pattern))
    for key in CATEGORIES:
        scores = [lhr["categories"][key]["score"] for lhr in lhrs if key in lhr["categories"]]
        row.append(fmt(median(scores), ".2f"))
    bench = median([lhr.get("environment", {}).get("benchmarkIndex") for lhr in lhrs])
    row.append(fmt(bench, ".0f"))
    return row, bench


def main(argv: list[str]) -> int:
    folder, status, load_before = Path(argv[1]), argv[2], argv[3]
    runs = load_runs(folder)
    if not runs:
        print(f"no Lighthouse results in {folder}/", file=sys.stderr)
        return 1
    columns = ["page", "runs", *(m[0] for m in METRICS), "perf", "a11y", "bp", "seo", "cpu bench"]
    rows, benches = [], []
    for url, lhrs in runs.items():
        row, bench = page_row(url, lhrs)
        rows.append(row)
        benches.append(bench)
    widths = [max(len(col), *(len(row[i]) for row in rows)) for i, col in enumerate(columns)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    loadavg = Path("/proc/loadavg")
    load_after = loadavg.read_text().split()[0] if loadavg.exists() else "?"
    print(
        "\nLighthouse medians (mobile, simulated throttling; "
        f"load average {load_before} -> {load_after}):"
    )
    print(line(columns))
    for row in rows:
        print(line(row))
    if status == "0":
        print("budgets: met")
    else:
        print("budgets: FAILED (see the assertions above)")
        if any(b is not None and b < BUSY_BENCHMARK for b in benches):
            print(
                f"note: the CPU benchmark was under {BUSY_BENCHMARK}, so this machine was busy "
                "while Lighthouse ran; blocking time may be inflated. Rerun on a quiet machine "
                "before blaming the page."
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
