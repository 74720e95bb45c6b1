"""Argument checks shared by the models, samplers, estimators and trainers: each raises `ValueError` with a message
that says what was wrong and what is allowed."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


def concrete(x) -> np.ndarray | None:
    """`x` as a NumPy array when its value is known (not traced under `jit`), else `None`."""
    try:
        return np.asarray(x)
    except Exception:  # a tracer: the value is known only at run time
        return None


def require_key(key, what: str) -> None:
    """Raise unless a stochastic function `what` was given a key."""
    if key is None:
        raise ValueError(f"{what} is stochastic: pass key=...")


def check_int(value, name: str, minimum: int) -> int:
    """`value` as an `int` if it is a (NumPy) integer `>= minimum` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_states(model, x, *, name: str = "x", units: int | None = None) -> jax.Array:
    """Validate a batch of states of `model`.

    **Arguments:**

    - `model`: an `ebm.AbstractEBM` (its `n_units` and `spin` are used).
    - `x`: states (..., n).
    - `name`: the argument's name in error messages.
    - `units`: the expected last axis (default `model.n_units`; `model.n_visible` for data).

    **Returns:**

    `x` as float32, after checking its last axis and (when concrete) that it holds only the model's unit values:
    {0, 1}, or {-1, +1} for spin models.
    """
    x = jnp.asarray(x)
    n = model.n_units if units is None else units
    if x.ndim < 1 or x.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}) for this {type(model).__name__}, got {x.shape}")
    v = concrete(x)
    if v is not None:
        allowed = (-1, 1) if model.spin else (0, 1)
        if not np.all(np.isin(v, allowed)):
            bad = v[~np.isin(v, allowed)].ravel()[:3]
            raise ValueError(
                f"{name} must be {'spins in {-1, +1}' if model.spin else 'binary in {0, 1}'} for this "
                f"{type(model).__name__}, got values such as {bad.tolist()}"
            )
    return x.astype(jnp.float32)


def check_schedule(n_samples, burn_in, thin) -> None:
    """A sampler's schedule: `n_samples >= 1` recorded states, `burn_in >= 0` sweeps first, `thin >= 1` apart."""
    check_int(n_samples, "n_samples", 1)
    check_int(burn_in, "burn_in", 0)
    check_int(thin, "thin", 1)


def nonfinite_parameters(model) -> list[str] | None:
    """The names of `model`'s floating-point parameters holding a NaN or an infinity (`[]`: all finite), or `None`
    when their values are not known (traced under `jit`)."""
    leaves = jax.tree_util.tree_flatten_with_path(eqx.filter(model, eqx.is_inexact_array))[0]
    values = [(jax.tree_util.keystr(path), concrete(x)) for path, x in leaves]
    if any(v is None for _, v in values):
        return None
    return [name for name, v in values if not np.all(np.isfinite(v))]


def check_finite_parameters(model, what: str, value=None):
    """Refuse a model with NaN or infinite parameters, whose likelihoods and partition functions would come out
    NaN without an error.

    **Arguments:**

    - `model`: an `ebm.AbstractEBM`.
    - `what`: the function asking, for the message.
    - `value`: an array computed from `model`.

    **Returns:**

    `value`. With concrete parameters a non-finite one raises `ValueError` at once; under `jit` the check is
    attached to `value` by `eqx.error_if` (with the same message), so it runs when `value` is computed.
    """
    msg = (
        f"{what}: the parameters of this {type(model).__name__} are not all finite (NaN or infinity, e.g. after a "
        "diverged training run)"
    )
    bad = nonfinite_parameters(model)
    if bad is None:
        if value is None:
            return None
        leaves = jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array))
        ok = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))
        return eqx.error_if(value, ~ok, msg)
    if bad:
        raise ValueError(f"{msg}: {', '.join(bad)}")
    return value
