"""Exact partition functions, probabilities and likelihoods by enumeration (small models only)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ._models import AbstractEBM, Enumeration
from ._validate import check_finite_parameters, check_states

MAX_ENUMERATION_BITS = 24
"""The largest number of units enumerated (2**24 = 16.8M states, a few seconds on a laptop CPU)."""

_CHUNK_BITS = 16


def all_states(n: int, *, spin: bool = False) -> Float[Array, "2**n n"]:
    """Every state of `n` units, row `k` is the binary expansion of `k` (most significant unit first)."""
    if n > MAX_ENUMERATION_BITS:
        raise ValueError(f"refusing to enumerate 2**{n} states (at most 2**{MAX_ENUMERATION_BITS})")
    k = np.arange(2**n, dtype=np.int64)[:, None]
    bits = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.float32)
    return jnp.asarray(2 * bits - 1 if spin else bits)


def _enum_lse(fn, n: int, spin: bool) -> jax.Array:
    """`logsumexp_x fn(x)` over all 2**n states, in chunks of 2**16 (memory bounded)."""
    lo_bits = min(n, _CHUNK_BITS)
    hi_bits = n - lo_bits
    low = all_states(lo_bits, spin=spin)
    f = jax.vmap(fn)

    def chunk(h):
        hb = (h >> jnp.arange(hi_bits - 1, -1, -1)) & 1
        hb = hb.astype(jnp.float32)
        hb = 2 * hb - 1 if spin else hb
        x = jnp.concatenate([jnp.broadcast_to(hb, (low.shape[0], hi_bits)), low], axis=1)
        return jax.nn.logsumexp(f(x))

    if hi_bits == 0:
        return jax.nn.logsumexp(f(low))
    parts = jax.lax.map(chunk, jnp.arange(2**hi_bits))
    return jax.nn.logsumexp(parts)


def _plan(model: AbstractEBM, beta=1.0) -> Enumeration:
    """The model's enumeration, refused above `MAX_ENUMERATION_BITS` units."""
    plan = model.enumeration(beta)
    if plan.n_bits > MAX_ENUMERATION_BITS:
        raise ValueError(
            f"cannot enumerate: {plan.what} has {plan.n_bits} units, more than the {MAX_ENUMERATION_BITS} allowed "
            f"(2**{plan.n_bits} states); use ebm.ais_log_partition instead"
        )
    return plan


def exact_log_partition(model: AbstractEBM, *, beta: float = 1.0) -> Float[Array, ""]:
    """`log Z(beta) = log sum_x exp(-beta E(x))` by enumeration.

    The model says which units are enumerated (`AbstractEBM.enumeration`): all of them, or for an RBM the smaller
    layer with the other summed out analytically (`log Z = logsumexp_h -F(h)`), so a 64x20 RBM costs 2**20 terms.
    Raises `ValueError` when more than `MAX_ENUMERATION_BITS` units would have to be enumerated, or when a parameter
    is NaN or infinite (`eqx.error_if` under `jit`). Differentiable with respect to the model parameters.
    """
    check_finite_parameters(model, "ebm.exact_log_partition")
    plan = _plan(model, beta)
    return check_finite_parameters(
        model, "ebm.exact_log_partition", _enum_lse(plan.log_weight, plan.n_bits, plan.spin)
    )


def exact_probabilities(
    model: AbstractEBM, *, beta: float = 1.0, visible: bool = False
) -> Float[Array, " states"]:
    """Probabilities of all states in `ebm.all_states` order: of the joint state, or with `visible=True` of the
    visible marginal `p(v)` (RBMs). At most 2**20 states (this returns the full table). Non-finite parameters raise
    as in `ebm.exact_log_partition`."""
    check_finite_parameters(model, "ebm.exact_probabilities")
    model.enumeration(beta)  # raises for models without a finite state space
    n = model.n_visible if visible else model.n_units
    if n > 20:
        raise ValueError(f"exact_probabilities returns a table of 2**{n} entries; at most 2**20 allowed")
    x = all_states(n, spin=model.spin)
    neg = -beta * jax.vmap(model.free_energy if visible else model.energy)(x)
    return check_finite_parameters(model, "ebm.exact_probabilities", jax.nn.softmax(neg))


def state_index(x: Float[Array, "... n"], *, spin: bool = False) -> jax.Array:
    """Index of each state in `ebm.all_states` order."""
    bits = (x > 0) if spin else (x > 0.5)
    n = x.shape[-1]
    return jnp.sum(bits.astype(jnp.int32) << jnp.arange(n - 1, -1, -1, dtype=jnp.int32), axis=-1)


def empirical_distribution(samples: Float[Array, "... n"], *, spin: bool = False) -> Float[Array, " states"]:
    """Histogram of the states in `samples` (any leading axes), normalized, in `ebm.all_states` order."""
    n = samples.shape[-1]
    if n > 20:
        raise ValueError(f"empirical_distribution builds a table of 2**{n} entries; at most 2**20 allowed")
    idx = state_index(samples.reshape(-1, n), spin=spin)
    counts = jnp.zeros(2**n).at[idx].add(1.0)
    return counts / counts.sum()


def total_variation(p: Float[Array, " k"], q: Float[Array, " k"]) -> Float[Array, ""]:
    """`TV(p, q) = 1/2 sum |p - q|`."""
    return 0.5 * jnp.sum(jnp.abs(jnp.asarray(p) - jnp.asarray(q)))


def exact_log_likelihood(model: AbstractEBM, data: Float[Array, "batch nv"]) -> Float[Array, ""]:
    """Average exact log-likelihood `mean_v [-F(v)] - log Z` of visible data (nats per example)."""
    data = check_states(model, data, name="data", units=model.n_visible)
    return -jnp.mean(jax.vmap(model.free_energy)(data.reshape(-1, model.n_visible))) - exact_log_partition(
        model
    )


def can_enumerate(model: AbstractEBM) -> bool:
    """Whether `ebm.exact_log_partition` accepts the model."""
    try:
        _plan(model)
    except ValueError:
        return False
    return True
