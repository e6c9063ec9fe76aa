"""Column frames and string helpers shared by every domain.

A `Frame` is a dict of equal-length numpy columns: strings are object arrays
(None = null), timestamps and integers int64 with `NULL` as the null
sentinel, booleans bool. `aux` holds helper columns (underscore names such
as `_tenant`) that steer bad-row injection and are never written.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL = np.iinfo(np.int64).min


class Frame:
    """A table under construction: contract columns plus helper columns."""

    def __init__(self, table: str, cols: dict[str, np.ndarray], aux: dict[str, np.ndarray] | None = None):
        self.table = table
        self.cols = cols
        self.aux = aux or {}
        lengths = {len(v) for v in (*cols.values(), *self.aux.values())}
        if len(lengths) > 1:
            raise ValueError(f"{table}: columns of unequal length {lengths}")

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name] if name in self.cols else self.aux[name]

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        target = self.aux if name.startswith("_") else self.cols
        target[name] = values

    def take(self, idx: np.ndarray) -> Frame:
        """Rows `idx`. Helper columns named `*_pos` hold row positions and are
        re-pointed to the new positions (-1 when the target is not taken)."""
        aux = {}
        new_pos = None
        for k, v in self.aux.items():
            if k.endswith("_pos"):
                if new_pos is None:
                    new_pos = np.full(len(self), -1, dtype=np.int64)
                    new_pos[idx] = np.arange(len(idx))
                sel = v[idx]
                aux[k] = np.where(sel >= 0, new_pos[np.maximum(sel, 0)], -1)
            else:
                aux[k] = v[idx]
        return Frame(self.table, {k: v[idx] for k, v in self.cols.items()}, aux)

    def copy(self) -> Frame:
        return self.take(np.arange(len(self)))

    @staticmethod
    def concat(frames: Iterable[Frame]) -> Frame:
        frames = [f for f in frames if f is not None]
        first = frames[0]
        cols = {k: np.concatenate([f.cols[k] for f in frames]) for k in first.cols}
        aux = {k: np.concatenate([f.aux[k] for f in frames]) for k in first.aux if all(k in f.aux for f in frames)}
        return Frame(first.table, cols, aux)


def nulls_str(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def nulls_int(n: int) -> np.ndarray:
    return np.full(n, NULL, dtype=np.int64)


def as_object(values: Iterable[str | None]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)  # type: ignore[arg-type]
    arr[:] = list(values)
    return arr


def lookup(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """values[idx] with None where idx < 0 (a missing reference)."""
    padded = np.append(np.asarray(values, dtype=object), None)
    return padded[np.where(idx < 0, len(values), idx)]


def choose(rng: np.random.Generator, values: list[str], p: list[float] | None, n: int) -> np.ndarray:
    """n strings drawn from `values` with probabilities `p`."""
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return as_object(values)[rng.choice(len(values), size=n, p=probs)]


def make_ids(prefix: str, numbers: np.ndarray | int, width: int = 6) -> np.ndarray:
    """Zero-padded ids such as `msg_0000042`, vectorised through Arrow."""
    nums = np.arange(numbers) if isinstance(numbers, int) else np.asarray(numbers)
    if len(nums) == 0:
        return np.empty(0, dtype=object)
    text = pc.utf8_lpad(pc.cast(pa.array(nums.astype(np.int64)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "").to_numpy(zero_copy_only=False)


def join(*parts: str | np.ndarray) -> np.ndarray:
    """Element-wise string concatenation of scalars and object arrays (null in, null out)."""
    n = max(len(p) for p in parts if not isinstance(p, str))
    arrays = [p if isinstance(p, str) else pa.array(p, pa.string()) for p in parts]
    out = pc.binary_join_element_wise(*arrays, "")
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=object).reshape(n)


def int_str(values: np.ndarray) -> np.ndarray:
    """Integers as decimal strings (object array)."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()).to_numpy(zero_copy_only=False)
