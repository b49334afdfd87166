"""What the benchmarks print and read: percentiles, a table for people, one JSON line for tools, and a process's
CPU time and resident memory."""

import math
import os
from collections.abc import Sequence
from pathlib import Path

# The table and the JSON line are the runtime's (parcelwatch eta evaluate prints them too).
from workers.figures import json_line as json_line
from workers.figures import table as table


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


def per_second(items: float, seconds: float) -> float:
    """Items per second; 0 when no time was measured."""
    return items / seconds if seconds else 0.0


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
