"""Small helpers for validating configuration values that may be Python numbers or (traced) arrays."""

from __future__ import annotations

import numpy as np


def concrete(x):
    """Return `x` as a NumPy value if it is concrete (not traced), else `None`."""
    if x is None:
        return None
    try:
        return np.asarray(x)
    except Exception:  # a tracer: value unknown until run time
        return None


def check(cond_fn, x, message: str) -> None:
    """Raise `ValueError(message)` if `x` is concrete and `cond_fn(x)` is false anywhere (or NaN)."""
    v = concrete(x)
    if v is None:
        return
    if v.dtype.kind not in "biuf":
        raise ValueError(f"{message} (got a non-numeric value {x!r})")
    if not np.all(cond_fn(v)) or np.any(np.isnan(v)):
        raise ValueError(f"{message} (got {v if v.size < 8 else 'an array with offending entries'})")


def check_conductance_range(g_min_us, g_max_us, name: str) -> None:
    """Raise `ValueError` unless `0 <= g_min_us < g_max_us` (uS), for the device called `name` in the message."""
    check(lambda g: g > 0, g_max_us, f"{name} g_max_us must be > 0")
    check(lambda g: g >= 0, g_min_us, f"{name} g_min_us must be >= 0")
    check(lambda g: g < g_max_us, g_min_us, f"{name} g_min_us must be < g_max_us")


def check_nonnegative(module, names: tuple[str, ...]) -> None:
    """Raise `ValueError` unless each field `names` of `module` is >= 0."""
    for name in names:
        check(lambda s: s >= 0, getattr(module, name), f"{type(module).__name__} {name} must be >= 0")


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
