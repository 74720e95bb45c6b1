"""The family of energy-based models: `AbstractEBM` and the pieces its concrete models share.

Every binary model has units `x_i` in {0, 1} (`spin=False`) or {-1, +1} (`spin=True`), an `energy(x)` for one state
`x` (n,) (batch with `jax.vmap`) and the Boltzmann distribution `p(x) = exp(-beta E(x)) / Z(beta)`. Besides the
energy, each model says how the algorithms of `ebm` apply to it:

- samplers: `blocks`, a proper colouring of the interaction graph (the units of one block are conditionally
  independent given the others), and `field(x, block)`: for each unit `i` of the block,
  `delta_i = E(x with x_i low) - E(x with x_i high)`, so `p(x_i = high | rest) = sigmoid(beta * delta_i)`;
- training on data: `n_visible`, `free_energy(v)` and `visible_to_state(v, key)`;
- estimators of `log Z`: `enumeration(beta)` (which units `exact_log_partition` enumerates) and
  `annealing(base_visible_mean)` (the path `ais_log_partition` anneals along);
- the p-bit hardware sampler and its price: `coupling_matrices()` (what is programmed into crossbars),
  `block_matrices` (the matrix each colour block reads) and `crossbar_fields` (the fields from those reads).

Two abstract classes implement what a kind of model has in common: `AbstractFullyVisibleEBM` (no hidden units: the
training and estimator members) and `AbstractNonPairwiseEBM` (no crossbar mapping). Concrete models implement the
rest and override nothing concrete.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._custom_types import PRNGKeyArray
from .._sampling import gibbs_sweep, random_states

MatVec = Callable[[int, Float[Array, "chains in"]], Float[Array, "chains out"]]
"""`mvm(i, u)`: the product of coupling matrix `i` with each row of `u` (one crossbar read per chain)."""


class Enumeration(NamedTuple):
    """How `ebm.exact_log_partition` sums a model's states: `log Z = logsumexp_s log_weight(s)` over the `2**n_bits`
    states `s` of the enumerated units, every other unit summed out analytically inside `log_weight`."""

    n_bits: int
    """Units enumerated."""
    spin: bool
    """Whether the enumerated units are spins."""
    what: str
    """What is enumerated, for error messages (`"the model"`, `"the smaller RBM layer"`)."""
    log_weight: Callable[[Float[Array, " n_bits"]], Float[Array, ""]]
    """Log of the summed-out Boltzmann weight of one enumerated state at the requested `beta`."""


class Annealing(NamedTuple):
    """The path `ebm.ais_log_partition` anneals along, from a base distribution with known `log Z` (`b = 0`) to the
    model (`b = 1`)."""

    init: Callable[[PRNGKeyArray, int], Array]
    """`init(key, n_chains)`: exact samples (n_chains, ...) of the base distribution."""
    log_z0: Float[Array, ""]
    """`log Z` of the base distribution."""
    accumulate: Callable[[Array, Array, Array, Array], Array]
    """`accumulate(log_w, x, b_prev, b)`: the log importance weights (n_chains,) after moving from `b_prev` to `b`
    at the states `x`."""
    step: Callable[[Array, Array, PRNGKeyArray], Array]
    """`step(x, b, key)`: a transition that leaves the distribution at `b` invariant."""


class AbstractEBM(eqx.Module):
    """A model over binary or spin units with an energy. See the module docstring for what each member serves."""

    @property
    @abc.abstractmethod
    def n_units(self) -> int:
        """Number of units `n` of a full state."""

    @property
    @abc.abstractmethod
    def spin(self) -> bool:
        """Whether the units are spins in {-1, +1} (else binary in {0, 1})."""

    @property
    @abc.abstractmethod
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """The colour blocks (static tuples of unit indices) a Gibbs sweep resamples in order."""

    @property
    @abc.abstractmethod
    def n_visible(self) -> int:
        """Units seen by data (all of them unless the model has hidden units)."""

    @abc.abstractmethod
    def energy(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        """The energy `E(x)` of one state."""

    @abc.abstractmethod
    def field(self, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        """`E(x_i low) - E(x_i high)` for the units `i` of `block`."""

    @abc.abstractmethod
    def fields_t(self, xt: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        """`field` for a batch of chains in the unit-major layout (n, chains) the samplers use internally: a
        gather of whole rows (all chains of one unit) is contiguous, about 7x faster on CPU than gathering one unit
        out of every chain's state."""

    @abc.abstractmethod
    def free_energy(self, v: Float[Array, " nv"]) -> Float[Array, ""]:
        """`-log sum_h exp(-E(v, h))`; the energy itself for models without hidden units."""

    @abc.abstractmethod
    def visible_to_state(self, v: Float[Array, "... nv"], key: PRNGKeyArray) -> Float[Array, "... n"]:
        """Complete visible data to full states (sampling any hidden units given `v`)."""

    @abc.abstractmethod
    def enumeration(self, beta) -> Enumeration:
        """How to enumerate `log Z(beta)`. Raises `ValueError` for models without a finite state space."""

    @abc.abstractmethod
    def annealing(self, base_visible_mean: Float[Array, " nv"] | None) -> Annealing:
        """The annealing path of AIS; `base_visible_mean` (data pixel means) sets a base-rate model where the
        model supports one. Raises `ValueError` where AIS over binary units does not apply."""

    @abc.abstractmethod
    def coupling_matrices(self) -> tuple[Float[Array, "out in"], ...]:
        """The matrices a p-bit machine programs into crossbars. Raises `ValueError` for models whose local fields
        are not linear in the state (non-pairwise models)."""

    @property
    @abc.abstractmethod
    def block_matrices(self) -> tuple[int, ...]:
        """For each colour block, the index into `coupling_matrices()` of the matrix its fields are read from (one
        MVM per block and chain in a p-bit sweep)."""

    @abc.abstractmethod
    def crossbar_fields(
        self, mvm: MatVec, x: Float[Array, "chains n"], c: int, block: tuple[int, ...]
    ) -> Float[Array, "chains b"]:
        """The fields of colour block `c` (units `block`) for every chain, with the matrix products done by `mvm`
        (exact products give `field`; crossbar reads give the hardware's fields)."""

    @property
    def low(self) -> float:
        """The value of a unit that is off: -1 for spins, 0 for binary units."""
        return -1.0 if self.spin else 0.0


class AbstractFullyVisibleEBM(AbstractEBM):
    """A model without hidden units: data are full states, the free energy is the energy, every unit is
    enumerated, and AIS anneals `exp(-b E(x))` from the uniform distribution with block-Gibbs sweeps."""

    @property
    def n_visible(self) -> int:
        return self.n_units

    def free_energy(self, v: Float[Array, " n"]) -> Float[Array, ""]:
        """The energy (no hidden units)."""
        return self.energy(v)

    def visible_to_state(self, v: Float[Array, "... n"], key: PRNGKeyArray) -> Float[Array, "... n"]:
        """`v` itself (no hidden units)."""
        return v

    def enumeration(self, beta) -> Enumeration:
        """Every unit: `log_weight(x) = -beta E(x)`."""
        return Enumeration(self.n_units, self.spin, "the model", lambda x: -beta * self.energy(x))

    def annealing(self, base_visible_mean: Float[Array, " n"] | None) -> Annealing:
        """`exp(-b E(x))` from the uniform distribution (`log Z_0 = n log 2`), one block-Gibbs sweep per
        temperature (Neal, Stat. Comput. 11, 125, 2001); a base-rate model applies to RBMs only."""
        if base_visible_mean is not None:
            raise ValueError(f"base_visible_mean applies to RBMs only, not to a {type(self).__name__}")
        energy = jax.vmap(self.energy)
        return Annealing(
            init=lambda key, n_chains: random_states(self, n_chains, key=key),
            log_z0=self.n_units * jnp.log(2.0),
            accumulate=lambda lw, x, b_prev, b: lw - (b - b_prev) * energy(x),
            step=lambda x, b, key: gibbs_sweep(self, x, b, key),
        )


class AbstractNonPairwiseEBM(AbstractEBM):
    """A model whose local fields are not linear in the state (higher-order or non-multilinear energies): it has no
    crossbar mapping, so the p-bit sampler and its pricing refuse it with a `ValueError`."""

    def _refuse(self) -> ValueError:
        return ValueError(
            "the p-bit sampler maps pairwise models (RBM, BoltzmannMachine, Hopfield), got "
            f"{type(self).__name__}"
        )

    def coupling_matrices(self) -> tuple[Float[Array, "out in"], ...]:
        """Raises `ValueError`: not pairwise."""
        raise self._refuse()

    @property
    def block_matrices(self) -> tuple[int, ...]:
        """Raises `ValueError`: not pairwise."""
        raise self._refuse()

    def crossbar_fields(
        self, mvm: MatVec, x: Float[Array, "chains n"], c: int, block: tuple[int, ...]
    ) -> Float[Array, "chains b"]:
        """Raises `ValueError`: not pairwise."""
        raise self._refuse()


# -- shared implementations, called by the concrete models ---------------------------------------------------------


def grad_field(model: AbstractEBM, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
    """`field` from the energy's gradient, exact for energies that are multilinear in the units (every model here
    but `ModernHopfield`): `E` is then affine in each `x_i`."""
    g = jax.grad(model.energy)(x)[jnp.asarray(block)]
    return -2.0 * g if model.spin else -g


def vmapped_fields_t(
    model: AbstractEBM, xt: Float[Array, "n chains"], block: tuple[int, ...]
) -> Float[Array, "b chains"]:
    """`fields_t` as `model.field` mapped over the chains."""
    return jax.vmap(lambda s: model.field(s, block), in_axes=1, out_axes=1)(xt)


def pairwise_crossbar_fields(
    mvm: MatVec, x: Float[Array, "chains n"], block: tuple[int, ...], bias: Float[Array, " n"], spin: bool
) -> Float[Array, "chains b"]:
    """Fields of a pairwise model from one read of its dense coupling matrix `J` (n, n): `J x + b` on the block's
    units, doubled for spins. The read returns every column; the block's are kept (a real array would gate the
    others)."""
    idx = np.asarray(block)
    h = mvm(0, x)[:, idx] + bias[idx]
    return 2.0 * h if spin else h
