"""Timing samples and how the scripts print them."""
from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from typing import Callable


def sizes(default: str) -> tuple[int, ...]:
    """The dataset sizes: BENCH_SIZES (e.g. ``200,1000`` for a quick look) or the default."""
    return tuple(int(size) for size in os.environ.get("BENCH_SIZES", default).split(","))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def machine() -> str:
    return f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, {os.cpu_count()} CPUs"


def kib(size: int) -> str:
    return f"{size / 1024:,.1f} KiB"
