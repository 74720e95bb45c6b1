"""Annealed importance sampling (Neal, "Annealed importance sampling", Stat. Comput. 11, 125, 2001) for log Z.

For RBMs the schedule of Salakhutdinov & Murray ("On the quantitative analysis of deep belief networks", ICML 2008)
anneals the visible marginal from a base-rate model ``p_0(v) ~ exp(a0^T v)`` (hidden units uniform) to the RBM:

    p_k(v) ~ exp((1 - b_k) a0^T v) * exp(b_k a^T v) * prod_j (1 + exp(b_k (b_j + W_j^T v)))

with one Gibbs step (h then v) at each ``b_k`` as the transition. Other models anneal ``exp(-b_k E(x))`` from the
uniform distribution (``log Z_0 = n log 2``) with one block-Gibbs sweep per temperature.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float

from analogsim import random as _random

from ._custom_types import PRNGKeyArray
from ._models import RBM, AbstractEBM, ModernHopfield
from ._sampling import gibbs_sweep, random_states


class AISResult(NamedTuple):
    """``log_z``: the estimate ``log mean_i w_i``; ``stderr``: its standard error by the delta method,
    ``std(w) / (sqrt(M) mean(w))``; ``log_weights``: the (M,) log importance weights (their spread diagnoses the
    schedule: a few dominating weights mean too few temperatures)."""

    log_z: Float[Array, ""]
    stderr: Float[Array, ""]
    log_weights: Float[Array, " m"]


def _summarize(lw: jax.Array) -> AISResult:
    m = lw.shape[0]
    log_z = jax.nn.logsumexp(lw) - jnp.log(m)
    w = jnp.exp(lw - jnp.max(lw))
    stderr = jnp.std(w) / (jnp.sqrt(m) * jnp.mean(w))
    return AISResult(log_z, stderr, lw)


@eqx.filter_jit
def _ais_rbm(model: RBM, a0, betas, key, n_chains):
    nv, nh = model.W.shape

    def log_f(v, bk):  # log unnormalized p_k(v), hidden summed out
        return (
            (1.0 - bk) * (v @ a0)
            + bk * (v @ model.a)
            + jnp.sum(jax.nn.softplus(bk * (model.b + v @ model.W)))
        )

    k0, key = jr.split(key)
    v = (jr.uniform(k0, (n_chains, nv)) < jax.nn.sigmoid(a0)).astype(jnp.float32)
    log_z0 = jnp.sum(jax.nn.softplus(a0)) + nh * jnp.log(2.0)

    def step(carry, inp):
        v, lw = carry
        k, b_prev, b_k = inp
        lw = lw + jax.vmap(log_f, (0, None))(v, b_k) - jax.vmap(log_f, (0, None))(v, b_prev)
        kh, kv = jr.split(k)
        ph = jax.nn.sigmoid(b_k * (model.b + v @ model.W))
        h = (_random.uniform(kh, ph.shape) < ph).astype(jnp.float32)
        pv = jax.nn.sigmoid((1.0 - b_k) * a0 + b_k * (model.a + h @ model.W.T))
        v = (_random.uniform(kv, pv.shape) < pv).astype(jnp.float32)
        return (v, lw), None

    keys = jr.split(key, betas.shape[0] - 1)
    (v, lw), _ = jax.lax.scan(step, (v, jnp.zeros(n_chains)), (keys, betas[:-1], betas[1:]))
    return _summarize(lw + log_z0)


@eqx.filter_jit
def _ais_generic(model: AbstractEBM, betas, key, n_chains):
    k0, key = jr.split(key)
    x = random_states(model, n_chains, key=k0)
    energy = jax.vmap(model.energy)
    log_z0 = model.n_units * jnp.log(2.0)

    def step(carry, inp):
        x, lw = carry
        k, b_prev, b_k = inp
        lw = lw - (b_k - b_prev) * energy(x)
        x = gibbs_sweep(model, x, b_k, k)
        return (x, lw), None

    keys = jr.split(key, betas.shape[0] - 1)
    (x, lw), _ = jax.lax.scan(step, (x, jnp.zeros(n_chains)), (keys, betas[:-1], betas[1:]))
    return _summarize(lw + log_z0)


def ais_log_partition(
    model: AbstractEBM,
    *,
    key: PRNGKeyArray,
    n_chains: int = 1000,
    n_betas: int = 10000,
    betas: Float[Array, " k"] | None = None,
    base_visible_mean: Float[Array, " nv"] | None = None,
) -> AISResult:
    """Estimate ``log Z`` by annealed importance sampling with ``n_chains`` independent runs.

    The default schedule is ``n_betas`` temperatures, linear in ``beta`` from 0 to 1 (pass ``betas`` to override:
    increasing, from 0 to 1). For an RBM ``base_visible_mean`` (the data's pixel means) sets the base-rate model,
    which greatly reduces the variance (Salakhutdinov & Murray 2008); without it the base is uniform.
    ``E[w] = Z`` exactly, so ``log_z`` is biased low by about ``stderr**2 / 2`` and consistent as runs grow.
    """
    if key is None:
        raise ValueError("ais_log_partition is stochastic: pass key=...")
    if isinstance(model, ModernHopfield):
        raise ValueError("ModernHopfield has continuous states; AIS over binary units does not apply")
    if isinstance(n_chains, bool) or not isinstance(n_chains, int) or n_chains < 2:
        raise ValueError(f"n_chains must be an int >= 2, got {n_chains!r}")
    if betas is None:
        if isinstance(n_betas, bool) or not isinstance(n_betas, int) or n_betas < 2:
            raise ValueError(f"n_betas must be an int >= 2, got {n_betas!r}")
        betas = jnp.linspace(0.0, 1.0, n_betas)
    else:
        b = np.asarray(betas)
        if b.ndim != 1 or len(b) < 2 or b[0] != 0 or b[-1] != 1 or np.any(np.diff(b) < 0):
            raise ValueError("betas must be a 1-D non-decreasing schedule from exactly 0 to exactly 1")
        betas = jnp.asarray(b, jnp.float32)
    if isinstance(model, RBM):
        if base_visible_mean is None:
            a0 = jnp.zeros(model.n_visible)
        else:
            p = jnp.asarray(base_visible_mean, jnp.float32)
            if p.shape != (model.n_visible,):
                raise ValueError(f"base_visible_mean must have shape ({model.n_visible},), got {p.shape}")
            p = jnp.clip(p, 1e-3, 1 - 1e-3)
            a0 = jnp.log(p) - jnp.log1p(-p)
        return _ais_rbm(model, a0, betas, key, n_chains)
    if base_visible_mean is not None:
        raise ValueError("base_visible_mean applies to RBMs only")
    return _ais_generic(model, betas, key, n_chains)
