"""Small helpers for validating configuration values that may be Python numbers or (traced) arrays."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
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


def check_int(value, name: str, *, minimum: int, maximum: int | None = None, allow_none: bool = False) -> None:
    """Raise `ValueError` unless `value` is an int in `[minimum, maximum]` (or None, with `allow_none`)."""
    if value is None and allow_none:
        return
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    allowed += " or None" if allow_none else ""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")


def check_key(key, name: str = "key", *, allow_none: bool = False) -> None:
    """Raise `ValueError` unless `key` is a JAX PRNG key: a typed key (`jax.random.key`) or a raw `uint32[..., 2]`
    key (`jax.random.PRNGKey`), or None with `allow_none`. The message says how to make one."""
    if key is None and allow_none:
        return
    dtype = getattr(key, "dtype", None)
    shape = getattr(key, "shape", None)
    if dtype is not None and jnp.issubdtype(dtype, jax.dtypes.prng_key):
        return
    if dtype == jnp.uint32 and shape is not None and len(shape) >= 1 and shape[-1] == 2:
        return
    got = f"{type(key).__name__} {key!r}" if dtype is None else f"an array of dtype {dtype} and shape {shape}"
    raise ValueError(
        f"{name} must be a JAX PRNG key, made with jax.random.key(seed) (e.g. jax.random.key(0)) and split with "
        f"jax.random.split; got {got}"
    )


def check_finite(x: jax.Array, message: str) -> jax.Array:
    """`x` unchanged if all its entries are finite. Otherwise `ValueError(message)` when `x` is concrete, or the
    same message from `eqx.error_if` at run time when `x` is traced (under `jit`, `vmap` or `grad`)."""
    try:
        v = np.asarray(x)
    except Exception:  # a tracer: checked when the program runs
        return eqx.error_if(x, ~jnp.all(jnp.isfinite(x)), message)
    if not np.all(np.isfinite(v)):
        raise ValueError(message)
    return x
