"""Inputs and outputs of the framework's closed forms: float64 NumPy values (the numbers span 1 to 1e27, beyond
float32's comfortable range) that broadcast, so a sweep is one call."""

from __future__ import annotations

import numpy as np


def _pos(name: str, value, *, allow_zero: bool = False) -> np.ndarray:
    """`value` as a float64 array, or a `ValueError` naming `name` if any entry is not finite and `> 0` (`>= 0`
    with `allow_zero`)."""
    v = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(v) | ((v < 0) if allow_zero else (v <= 0))
    if np.any(bad):
        what = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {what}, got {value!r}")
    return v


def _out(v):
    """A Python float for a scalar result, the float64 array otherwise."""
    v = np.asarray(v, dtype=np.float64)
    return float(v) if v.ndim == 0 else v
