"""Annealed importance sampling (Neal, "Annealed importance sampling", Stat. Comput. 11, 125, 2001) for log Z.

The annealing path is the model's (`AbstractEBM.annealing`): for RBMs the visible marginal annealed from a base-rate
model (Salakhutdinov & Murray, ICML 2008); for the other models `exp(-b_k E(x))` annealed from the uniform
distribution (`log Z_0 = n log 2`) with one block-Gibbs sweep per temperature.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec
from jaxtyping import Array, Float

from analogsim import distributed as _dist

from ._custom_types import PRNGKeyArray
from ._models import AbstractEBM
from ._validate import check_finite_parameters, check_int, require_key


class AISResult(NamedTuple):
    """The result of `ebm.ais_log_partition`."""

    log_z: Float[Array, ""]
    """The estimate `log mean_i w_i`."""
    stderr: Float[Array, ""]
    """Its standard error by the delta method, `std(w) / (sqrt(M) mean(w))`."""
    log_weights: Float[Array, " m"]
    """The (M,) log importance weights (their spread diagnoses the schedule: a few dominating weights mean too few
    temperatures)."""


def _summarize(lw: jax.Array) -> AISResult:
    m = lw.shape[0]
    log_z = jax.nn.logsumexp(lw) - jnp.log(m)
    w = jnp.exp(lw - jnp.max(lw))
    stderr = jnp.std(w) / (jnp.sqrt(m) * jnp.mean(w))
    return AISResult(log_z, stderr, lw)


@eqx.filter_jit
def _ais(model: AbstractEBM, base_visible_mean, betas, key, n_chains, chain_sharding):
    path = model.annealing(base_visible_mean)
    k0, key = jr.split(key)
    x = path.init(k0, n_chains)
    if chain_sharding is not None:  # each device anneals its block of chains; only the final mean communicates
        x = jax.lax.with_sharding_constraint(x, chain_sharding)

    def step(carry, inp):
        x, lw = carry
        k, b_prev, b_k = inp
        lw = path.accumulate(lw, x, b_prev, b_k)
        return (path.step(x, b_k, k), lw), None

    keys = jr.split(key, betas.shape[0] - 1)
    (x, lw), _ = jax.lax.scan(step, (x, jnp.zeros(n_chains)), (keys, betas[:-1], betas[1:]))
    return _summarize(lw + path.log_z0)


def ais_log_partition(
    model: AbstractEBM,
    *,
    key: PRNGKeyArray,
    n_chains: int = 1000,
    n_betas: int = 10000,
    betas: Float[Array, " k"] | None = None,
    base_visible_mean: Float[Array, " nv"] | None = None,
    devices=None,
) -> AISResult:
    """Estimate `log Z` by annealed importance sampling with `n_chains` independent runs.

    The default schedule is `n_betas` temperatures, linear in `beta` from 0 to 1 (pass `betas` to override:
    increasing, from 0 to 1). For an RBM `base_visible_mean` (the data's pixel means) sets the base-rate model,
    which greatly reduces the variance (Salakhutdinov & Murray 2008); without it the base is uniform.
    `E[w] = Z` exactly, so `log_z` is biased low by about `stderr**2 / 2` and consistent as runs grow. A NaN or
    infinite parameter raises `ValueError` (`eqx.error_if` under `jit`).

    With `devices` (e.g. `jax.devices()`, which after `analogsim.distributed.initialize` spans every process) the
    chains are split over those devices (`n_chains` must be a multiple of their number); every process calls this
    with the same arguments and gets the whole result back. Each chain draws the same numbers whatever the split,
    so `log_weights` equal the one-device run's up to float32 rounding of the per-chain sums, and `log_z` up to
    the order of the final sum over chains.
    """
    require_key(key, "ais_log_partition")
    check_finite_parameters(model, "ebm.ais_log_partition")
    check_int(n_chains, "n_chains", 2)
    if betas is None:
        check_int(n_betas, "n_betas", 2)
        betas = jnp.linspace(0.0, 1.0, n_betas)
    else:
        b = np.asarray(betas)
        if b.ndim != 1 or len(b) < 2 or b[0] != 0 or b[-1] != 1 or np.any(np.diff(b) < 0):
            raise ValueError("betas must be a 1-D non-decreasing schedule from exactly 0 to exactly 1")
        betas = jnp.asarray(b, jnp.float32)
    model.annealing(base_visible_mean)  # argument errors before tracing
    sharding = _chain_sharding(devices, n_chains)
    res = _ais(model, base_visible_mean, betas, key, n_chains, sharding)
    if sharding is not None:
        res = res._replace(log_weights=jnp.asarray(_dist.gather(res.log_weights)))
    return res._replace(log_z=check_finite_parameters(model, "ebm.ais_log_partition", res.log_z))


def _chain_sharding(devices, n_chains: int) -> NamedSharding | None:
    """Chains (rows of the `(n_chains, n)` state) split over `devices`, or None for the default device."""
    if devices is None:
        return None
    devices = list(devices)
    if not devices or n_chains % len(devices):
        raise ValueError(
            f"devices must be a non-empty sequence of jax devices whose number divides n_chains ({n_chains}); "
            f"got {len(devices)} devices"
        )
    return NamedSharding(_dist.mesh({"chains": -1}, devices=devices), PartitionSpec("chains"))
