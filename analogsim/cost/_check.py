"""Validation of the scalar numbers of the cost tables."""

from __future__ import annotations

import math


def _positive(name: str, value, *, zero: bool = False) -> float:
    """`value` as a float, or a `ValueError` naming `name` if it is not a finite number `> 0` (`>= 0` with
    `zero`)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(f) or (f < 0 if zero else f <= 0):
        raise ValueError(f"{name} must be finite and {'>= 0' if zero else '> 0'}, got {value!r}")
    return f
