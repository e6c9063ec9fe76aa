"""Deterministic random streams: one independent stream per named purpose.

Each domain draws from its own stream (seed + name), so adding a table or
changing one domain never shifts the random numbers of the others.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A PCG64 generator for `name` under the run's `seed` (no global state)."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key])))


def stochastic_round(rng: np.random.Generator, x: float) -> int:
    """Round x up with probability equal to its fraction (unbiased counts)."""
    base = int(np.floor(x))
    return base + int(rng.random() < (x - base))


def lognormal_us(rng: np.random.Generator, n: int, median_s: float, sigma: float) -> np.ndarray:
    """Long-tailed durations in microseconds with the given median (seconds)."""
    return (rng.lognormal(np.log(median_s), sigma, n) * 1_000_000).astype(np.int64)
