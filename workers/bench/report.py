"""What the benchmarks print and read: percentiles, a table for people, one JSON line for tools, and a process's
CPU time and resident memory."""

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0–100) of `values`, interpolated linearly between the closest ranks."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned table: text left, numbers right."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in cells)]).rstrip()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def json_line(figures: dict[str, Any]) -> str:
    """The machine-readable last line: keys in the order given."""
    return orjson.dumps(figures).decode()


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of process `pid`, all its threads (Linux `/proc`), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(status: str, field: str) -> int:
    """A `kB` field of a Linux `/proc/<pid>/status` text (such as VmRSS), in KiB."""
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0])
    raise ValueError(f"no {field} in the process status")


def resident_bytes(pid: int) -> int | None:
    """Resident memory of process `pid` (Linux `/proc`: VmRSS), in bytes, or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return status_kib(status, "VmRSS") * 1024
