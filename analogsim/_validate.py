"""Small helpers for validating configuration values that may be Python numbers or (traced) arrays."""

from __future__ import annotations

import numpy as np


def concrete(x):
    """Return ``x`` as a NumPy value if it is concrete (not traced), else ``None``."""
    if x is None:
        return None
    try:
        return np.asarray(x)
    except Exception:  # a tracer: value unknown until run time
        return None


def check(cond_fn, x, message: str) -> None:
    """Raise ``ValueError(message)`` if ``x`` is concrete and ``cond_fn(x)`` is false anywhere (or NaN)."""
    v = concrete(x)
    if v is None:
        return
    if v.dtype.kind not in "biuf":
        raise ValueError(f"{message} (got a non-numeric value {x!r})")
    if not np.all(cond_fn(v)) or np.any(np.isnan(v)):
        raise ValueError(f"{message} (got {v if v.size < 8 else 'an array with offending entries'})")


def check_int(value, name: str, *, minimum: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{name} must be an integer >= {minimum}{' or None' if allow_none else ''}, got {value!r}"
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}{' or None' if allow_none else ''}, got {value}"
        )
