"""A p-bit / analog sampler: local fields from an `analogsim` crossbar, stochastic neurons as noisy comparators.

Hardware model (Camsari et al., "Stochastic p-bits for invertible logic", PRX 7, 031014, 2017; Aadit et al.,
Nat. Electron. 5, 460, 2022): the couplings are programmed once into crossbar arrays; for each colour block the
current state drives the array's rows, the columns return the local fields `J x` (through the DAC, the device
conductances with their programming/read noise and drift, and the ADC), biases are added digitally, and each
p-bit compares `sigmoid(beta * delta_i)` with a uniform random number. The comparator itself is noisy: its
input-referred noise `comparator_noise_std` (Gaussian, in the units of the field `delta`) is added to the
field before the comparison. Which matrices are programmed and how each colour block's fields are read from them
is the model's (`AbstractEBM.coupling_matrices`, `block_matrices`, `crossbar_fields`).

With `analogsim.CrossbarConfig.ideal()` and no comparator noise the fields are exact (to float32 rounding) and
the sampler *is* block Gibbs: same update rule, same target distribution. Hardware noise perturbs the fields, so
the chain's stationary distribution drifts from the model's; `ebm.pbit_tv_sweep` measures by how much.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float

import analogsim as asim
from analogsim import random as _random

from ._custom_types import PRNGKeyArray
from ._exact import empirical_distribution, exact_probabilities, total_variation
from ._models import AbstractEBM
from ._sampling import Samples, random_states, set_block
from ._validate import check_schedule, check_states, require_key


class PBitMachine(eqx.Module):
    """A model mapped onto crossbars and p-bits. Build with `ebm.pbit_machine`."""

    model: AbstractEBM
    """The target model (a pairwise one: RBM, BoltzmannMachine or Hopfield)."""
    crossbars: tuple[asim.Crossbar, ...]
    """The model's `coupling_matrices()` programmed into crossbars (RBM: `W` for the visible fields and `W^T` for
    the hidden fields; otherwise the dense symmetric coupling matrix)."""
    comparator_noise_std: Float[Array, ""]
    """Input-referred Gaussian noise of each p-bit comparator, in field units."""

    def fields(
        self, x: Float[Array, "chains n"], c: int, block: tuple[int, ...], key
    ) -> Float[Array, "chains b"]:
        """The analog fields `delta` of block `c` for all chains (one crossbar MVM per chain)."""
        return self.model.crossbar_fields(lambda i, u: self.crossbars[i](u, key=key), x, c, block)


def pbit_machine(
    model: AbstractEBM,
    config: asim.CrossbarConfig,
    *,
    key: PRNGKeyArray | None = None,
    t_seconds: float | None = None,
    comparator_noise_std: float = 0.0,
) -> PBitMachine:
    """Program `model`'s couplings into crossbars configured by `config` (and age them to `t_seconds` after
    programming if given). `key` is required when programming, reading or the comparators are stochastic."""
    mats = model.coupling_matrices()  # raises for models that are not pairwise
    if not isinstance(config, asim.CrossbarConfig):
        raise ValueError(f"config must be an analogsim.CrossbarConfig, got {type(config).__name__}")
    if comparator_noise_std < 0:
        raise ValueError(f"comparator_noise_std must be >= 0, got {comparator_noise_std}")
    needs_key = config.stochastic_program or (t_seconds is not None and config.device.stochastic)
    if needs_key and key is None:
        raise ValueError("this crossbar configuration programs or reads stochastically: pass key=...")
    keys = [None] * len(mats) if key is None else list(jr.split(key, 2 * len(mats)))
    xbs = []
    for i, W in enumerate(mats):
        xb = asim.program(W, config, key=None if key is None else keys[2 * i])
        if t_seconds is not None:
            xb = xb.at(t_seconds, key=None if key is None else keys[2 * i + 1])
        xbs.append(xb)
    return PBitMachine(model, tuple(xbs), jnp.asarray(comparator_noise_std, jnp.float32))


def pbit_sweep(
    machine: PBitMachine, x: Float[Array, "chains n"], beta, key: PRNGKeyArray
) -> Float[Array, "chains n"]:
    """One sweep: for each colour block, analog fields, noisy comparators, update the block."""
    m = machine.model
    for c, block in enumerate(m.blocks):
        k_mvm, k_cmp, k_u = jr.split(jr.fold_in(key, c), 3)
        field = machine.fields(x, c, block, k_mvm)
        field = field + machine.comparator_noise_std * _random.normal(k_cmp, field.shape)
        up = _random.uniform(k_u, field.shape) < jax.nn.sigmoid(beta * field)
        x = set_block(x, block, jnp.where(up, 1.0, m.low))
    return x


@eqx.filter_jit
def _sample_pbit(machine, x0, beta, key, n_samples, burn_in, thin):
    def sweeps(x, start, count):
        return jax.lax.fori_loop(
            start, start + count, lambda t, x: pbit_sweep(machine, x, beta, jr.fold_in(key, t)), x
        )

    x = sweeps(x0, 0, burn_in)

    def body(x, i):
        x = sweeps(x, burn_in + i * thin, thin)
        return x, x

    x, samples = jax.lax.scan(body, x, jnp.arange(n_samples))
    return Samples(samples, x, jnp.zeros((0,), jnp.float32))


def sample_pbit(
    machine: PBitMachine,
    *,
    key: PRNGKeyArray,
    n_chains: int = 64,
    n_samples: int = 100,
    burn_in: int = 100,
    thin: int = 1,
    beta: float = 1.0,
    init: Float[Array, "chains n"] | None = None,
) -> Samples:
    """Run `n_chains` p-bit chains on the hardware model (same schedule as `ebm.sample`)."""
    require_key(key, "sample_pbit")
    check_schedule(n_samples, burn_in, thin)
    k0, k1 = jr.split(key)
    m = machine.model
    x0 = random_states(m, n_chains, key=k0) if init is None else check_states(m, init, name="init")
    return _sample_pbit(machine, x0, jnp.asarray(beta, jnp.float32), k1, n_samples, burn_in, thin)


def pbit_tv_sweep(
    model: AbstractEBM,
    configs: list[asim.CrossbarConfig],
    *,
    key: PRNGKeyArray,
    comparator_noise_std: float = 0.0,
    n_chains: int = 512,
    n_samples: int = 400,
    burn_in: int = 50,
    visible: bool = False,
) -> np.ndarray:
    """Total-variation distance between the exact distribution of `model` (joint, or visible marginal) and the
    p-bit sampler's empirical distribution, one figure per crossbar configuration (e.g. a read-noise sweep)."""
    p = exact_probabilities(model, visible=visible)
    out = []
    for i, cfg in enumerate(configs):
        kp, ks = jr.split(jr.fold_in(key, i))
        mach = pbit_machine(model, cfg, key=kp, comparator_noise_std=comparator_noise_std)
        s = sample_pbit(mach, key=ks, n_chains=n_chains, n_samples=n_samples, burn_in=burn_in).samples
        if visible:
            s = s[..., : model.n_visible]
        out.append(float(total_variation(p, empirical_distribution(s, spin=model.spin))))
    return np.asarray(out)
