"""Timing helper shared by the benchmark scripts (run as `python benchmarks/<script>.py`,
so this directory is on sys.path)."""
from __future__ import annotations

import time


def best_of(fn, repeats: int) -> float:
    """Smallest wall-clock time of ``repeats`` calls of ``fn`` (seconds)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
