"""Samplers: chromatic block Gibbs, parallel tempering, batched and sharded chains.

All samplers work on a batch of chains `x` (chains, n). One *sweep* resamples every colour block of the model
once, in order: block `c` draws `x_i ~ p(x_i | rest)` for all its units at once, which is exact because a colour
class is an independent set of the interaction graph. Randomness comes from one key per sampler call, folded with the
sweep number and the block index (`jr.fold_in`), so results are reproducible and independent of how the sweeps are
grouped. The uniforms use `analogsim.random`'s counter-based hash generator (one fused pass, no materialized random
array), which is what makes a sweep cost about as much as computing the local fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float

from analogsim import distributed as _dist, random as _random

from ._custom_types import PRNGKeyArray
from ._validate import check_int, check_schedule, check_states, require_key

if TYPE_CHECKING:  # the models' module imports the samplers (for their annealing paths)
    from ._models import AbstractEBM


class Samples(NamedTuple):
    """Result of a sampler run."""

    samples: Float[Array, "s chains n"]
    """States (n_samples, chains, n) at the target temperature."""
    final: Float[Array, ...]
    """The final chain state (chains, n) for `sample`, or (n_temps, chains, n) for parallel tempering (pass it back
    as `init` to continue)."""
    swap_rate: Float[Array, " t"]
    """Parallel tempering only: acceptance rate of swaps between neighbouring temperatures (T-1,); an empty array
    for plain Gibbs."""


def random_states(model: AbstractEBM, n_chains: int, *, key: PRNGKeyArray) -> Float[Array, "chains n"]:
    """Uniformly random initial states (chains, n)."""
    require_key(key, "random_states")
    check_int(n_chains, "n_chains", 1)
    bits = jr.bernoulli(key, 0.5, (n_chains, model.n_units)).astype(jnp.float32)
    return 2.0 * bits - 1.0 if model.spin else bits


def _set_units(x: jax.Array, block: tuple[int, ...], new: jax.Array, axis: int) -> jax.Array:
    """Write `new` into the units `block` of `x` along its unit axis (0 or -1)."""
    lo, hi = block[0], block[-1] + 1
    if hi - lo == len(block):  # contiguous: a static slice update, no scatter
        return jax.lax.dynamic_update_slice_in_dim(x, new.astype(x.dtype), lo, axis=axis)
    idx = np.asarray(block)
    return x.at[(Ellipsis, idx) if axis == -1 else (idx,)].set(
        new.astype(x.dtype), mode="promise_in_bounds", unique_indices=True, indices_are_sorted=True
    )


def set_block(x: jax.Array, block: tuple[int, ...], new: jax.Array) -> jax.Array:
    """Write `new` (..., b) into the units `block` of `x` (..., n), chain-major layout."""
    return _set_units(x, block, new, -1)


def _set_rows(xt: jax.Array, block: tuple[int, ...], new: jax.Array) -> jax.Array:
    """Write `new` (b, chains) into the rows `block` of `xt` (n, chains), unit-major layout."""
    return _set_units(xt, block, new, 0)


def sweep_t(
    model: AbstractEBM, xt: Float[Array, "n chains"], beta, key: PRNGKeyArray
) -> Float[Array, "n chains"]:
    """One chromatic Gibbs sweep in unit-major layout (n, chains): for each colour block, the fields of its units
    for all chains, then `x_i = high` iff `u < sigmoid(beta delta_i)` with `u` uniform (the p-bit rule of
    Camsari et al., PRX 7, 031014, 2017)."""
    for c, block in enumerate(model.blocks):
        field = model.fields_t(xt, block)
        u = _random.uniform(jr.fold_in(key, c), field.shape)
        new = jnp.where(u < jax.nn.sigmoid(beta * field), 1.0, model.low)
        xt = _set_rows(xt, block, new)
    return xt


def gibbs_sweep(
    model: AbstractEBM, x: Float[Array, "chains n"], beta, key: PRNGKeyArray
) -> Float[Array, "chains n"]:
    """One chromatic Gibbs sweep of a batch of chains (chains, n); see `ebm.sweep_t`."""
    return sweep_t(model, x.T, beta, key).T


def _sweeps(model, xt, beta, key, start, count):
    """`count` sweeps in unit-major layout."""
    return jax.lax.fori_loop(
        start, start + count, lambda t, x: sweep_t(model, x, beta, jr.fold_in(key, t)), xt
    )


@eqx.filter_jit
def _sample(model, x0, beta, key, n_samples, burn_in, thin):
    xt = _sweeps(model, x0.T, beta, key, 0, burn_in)

    def body(xt, i):
        xt = _sweeps(model, xt, beta, key, burn_in + i * thin, thin)
        return xt, xt.T

    xt, samples = jax.lax.scan(body, xt, jnp.arange(n_samples))
    return Samples(samples, xt.T, jnp.zeros((0,), jnp.float32))


def sample(
    model: AbstractEBM,
    *,
    key: PRNGKeyArray,
    n_chains: int = 64,
    n_samples: int = 100,
    burn_in: int = 100,
    thin: int = 1,
    beta: float | Float[Array, ""] = 1.0,
    init: Float[Array, "chains n"] | None = None,
) -> Samples:
    """Block Gibbs sampling of `p(x) ~ exp(-beta E(x))` with `n_chains` independent chains.

    Runs `burn_in` sweeps, then records `n_samples` states, `thin` sweeps apart. `init` (chains, n) continues
    from given states (e.g. `Samples.final`, or a sharded array from `ebm.shard_chains`); otherwise chains start
    uniformly at random. Jitted; a second call with the same shapes does not recompile.
    """
    require_key(key, "sample")
    check_schedule(n_samples, burn_in, thin)
    init_key, run_key = jr.split(key)
    x0 = (
        random_states(model, n_chains, key=init_key)
        if init is None
        else check_states(model, init, name="init")
    )
    if x0.ndim != 2:
        raise ValueError(f"init must be (chains, n), got shape {x0.shape}")
    return _sample(model, x0, jnp.asarray(beta, jnp.float32), run_key, n_samples, burn_in, thin)


def _pt_swap(model, xs, betas, key, parity):
    """Metropolis swaps between replicas (t, t+1) with `t % 2 == parity`: accept with probability
    `min(1, exp((beta_t - beta_{t+1}) (E_t - E_{t+1})))` (Swendsen & Wang, PRL 57, 2607, 1986; Geyer 1991)."""
    T = xs.shape[0]
    E = jax.vmap(jax.vmap(model.energy))(xs)  # (T, chains)
    log_a = (betas[:-1, None] - betas[1:, None]) * (E[:-1] - E[1:])
    u = _random.uniform(key, log_a.shape)
    pair_on = (jnp.arange(T - 1) % 2 == parity)[:, None]
    swap = (jnp.log(u) < log_a) & pair_on  # (T-1, chains)
    down = jnp.concatenate([swap, jnp.zeros_like(swap[:1])], 0)  # replica t takes t+1
    up = jnp.concatenate([jnp.zeros_like(swap[:1]), swap], 0)  # replica t takes t-1
    x_next = jnp.concatenate([xs[1:], xs[-1:]], 0)
    x_prev = jnp.concatenate([xs[:1], xs[:-1]], 0)
    xs = jnp.where(down[..., None], x_next, jnp.where(up[..., None], x_prev, xs))
    return xs, swap.astype(jnp.float32), pair_on.astype(jnp.float32)


def pt_sweep(model: AbstractEBM, xs, betas, key, t):
    """One parallel-tempering round: a Gibbs sweep of every replica at its own temperature, then swaps between
    neighbours (even pairs on even rounds, odd pairs on odd rounds). Returns `(xs, accepted, attempted)`."""
    k_sweep, k_swap = jr.split(jr.fold_in(key, t))
    xs = jax.vmap(lambda x, b, i: gibbs_sweep(model, x, b, jr.fold_in(k_sweep, i)))(
        xs, betas, jnp.arange(len(betas))
    )
    return _pt_swap(model, xs, betas, k_swap, t % 2)


@eqx.filter_jit
def _sample_pt(model, xs0, betas, key, n_samples, burn_in, thin):
    T = xs0.shape[0]
    zero = jnp.zeros((T - 1, 1))

    def rounds(carry, start, count):
        def f(t, c):
            xs, acc, att = c
            xs, a, p = pt_sweep(model, xs, betas, key, t)
            return xs, acc + jnp.sum(a, axis=1, keepdims=True), att + p * a.shape[1]

        return jax.lax.fori_loop(start, start + count, f, carry)

    carry = rounds((xs0, zero, zero), 0, burn_in)

    def body(c, i):
        c = rounds(c, burn_in + i * thin, thin)
        return c, c[0][0]

    (xs, acc, att), samples = jax.lax.scan(body, carry, jnp.arange(n_samples))
    return Samples(samples, xs, (acc / jnp.maximum(att, 1.0))[:, 0])


def geometric_betas(n_temps: int, beta_min: float, beta_max: float = 1.0) -> Float[Array, " t"]:
    """`n_temps` inverse temperatures from `beta_max` down to `beta_min`, geometrically spaced."""
    check_int(n_temps, "n_temps", 2)
    if not 0 < beta_min < beta_max:
        raise ValueError(f"need 0 < beta_min < beta_max, got beta_min={beta_min}, beta_max={beta_max}")
    return jnp.asarray(np.geomspace(beta_max, beta_min, n_temps), jnp.float32)


def sample_pt(
    model: AbstractEBM,
    *,
    key: PRNGKeyArray,
    betas: Float[Array, " t"],
    n_chains: int = 64,
    n_samples: int = 100,
    burn_in: int = 100,
    thin: int = 1,
    init: Float[Array, "t chains n"] | None = None,
) -> Samples:
    """Parallel tempering (replica exchange): `len(betas)` replicas of `n_chains` chains, replica `t` at inverse
    temperature `betas[t]`; `betas` must be decreasing and the samples are those of replica 0 (`betas[0]`,
    normally 1). `Samples.swap_rate` gives the measured acceptance of each neighbouring swap."""
    require_key(key, "sample_pt")
    check_schedule(n_samples, burn_in, thin)
    betas = jnp.asarray(betas, jnp.float32)
    b = np.asarray(betas)
    if b.ndim != 1 or len(b) < 2 or not np.all(np.diff(b) < 0) or not np.all(b > 0):
        raise ValueError(f"betas must be a 1-D strictly decreasing array of >= 2 positive values, got {b}")
    init_key, run_key = jr.split(key)
    if init is None:
        xs0 = jax.vmap(lambda k: random_states(model, n_chains, key=k))(jr.split(init_key, len(b)))
    else:
        xs0 = check_states(model, init, name="init")
        if xs0.ndim != 3 or xs0.shape[0] != len(b):
            raise ValueError(f"init must be (n_temps={len(b)}, chains, n), got shape {xs0.shape}")
    return _sample_pt(model, xs0, betas, run_key, n_samples, burn_in, thin)


def shard_chains(x: Float[Array, "... chains n"], mesh: jax.sharding.Mesh | None = None, *, axis: int = -2):
    """Place a batch of chains on all devices, split along the chain axis (`jax.sharding.NamedSharding` over a
    1-D mesh, by default `analogsim.distributed.mesh({"chains": -1})`: every device of every process).

    The samplers are jitted and elementwise across chains, so XLA keeps every device's chains on that device:
    each device runs its own chains with no communication (PT swaps act within a chain index, across
    temperatures, so they stay local too), and the samples are those of the unsharded run for the same key,
    whatever the device or process count. In a multi-process run (after `analogsim.distributed.initialize`)
    every process passes the same full `x` and gets a global array back; the samplers' results are then global
    arrays too, which `analogsim.distributed.gather` brings back to every process as numpy arrays.

    **Arguments:**

    - `x`: the chains, (..., chains, n).
    - `mesh`: a 1-D mesh to split the chains over (default: all devices, see above).
    - `axis`: the chain axis of `x`.

    **Returns:**

    `x` as a (global) array split along `axis`. The chain count must be divisible by the device count.
    """
    from jax.sharding import NamedSharding, PartitionSpec

    x = jnp.asarray(x)
    if mesh is None:
        mesh = _dist.mesh({"chains": -1})
    n_dev = mesh.devices.size
    ax = axis % x.ndim
    if x.shape[ax] % n_dev:
        raise ValueError(f"{x.shape[ax]} chains cannot be split evenly over {n_dev} devices")
    spec = [None] * x.ndim
    spec[ax] = mesh.axis_names[0]
    return jax.device_put(x, NamedSharding(mesh, PartitionSpec(*spec)))
