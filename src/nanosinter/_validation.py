"""Small shared validators used at API boundaries.

Each raises :class:`nanosinter.errors.InputError` (or the subclass given) with a message that
names the argument and the allowed values, so the CLI can print it as one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nanosinter.errors import InputError


def as_float_array(name: str, value: Any) -> np.ndarray:
    """Convert *value* to a float64 array, failing with a clear message on non-numbers."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric, got {value!r}") from None
    return arr


def check_finite(name: str, value: Any) -> np.ndarray:
    arr = as_float_array(name, value)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got {_show(value)}")
    return arr


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> np.ndarray:
    """Return *value* as a float array after checking it is finite and > 0 (or >= 0)."""
    arr = check_finite(name, value)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        rel = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {rel}, got {_show(value)}")
    return arr


def check_range(name: str, value: Any, low: float, high: float) -> np.ndarray:
    """Finite and within the closed interval [low, high]."""
    arr = check_finite(name, value)
    if np.any((arr < low) | (arr > high)):
        raise InputError(f"{name} must lie in [{low}, {high}], got {_show(value)}")
    return arr


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    choices = list(choices)
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def check_same_length(names: Sequence[str], *seqs: Sequence[Any]) -> int:
    """All sequences must have the same length; return it."""
    lengths = [len(s) for s in seqs]
    if len(set(lengths)) > 1:
        parts = ", ".join(f"{n} has {k}" for n, k in zip(names, lengths, strict=True))
        raise InputError(f"lists must pair up one to one: {parts}")
    return lengths[0] if lengths else 0


def _show(value: Any) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(value)
    return np.array2string(arr, threshold=6)
