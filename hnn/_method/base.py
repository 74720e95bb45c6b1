"""The interface every k-SAT dynamics implements (pure `init`/`step` over a batch of replicas), and the stochastic
parallel update shared by the Hopfield-family methods.

**Random numbers.** `hnn` draws from two generators, one per purpose:

- `jax.random` (threefry, a counter-based generator keyed by the solver's `key`) for every draw that a key
  addresses: the initial assignments and the seeds of the lane generators (`hnn.solve`), and the random formulas
  of `hnn.random_ksat` / `hnn.planted_ksat`.
- `xorshift32` lanes carried in the state: one per neuron and replica for the noise of the parallel (Glauber)
  neuron update of `HighOrderHopfield`, `QuadratizedHopfield` and `AnalogHopfield` (one number per neuron per
  replica per step, where threefry would cost more than the network's own passes; the lanes play the role of the
  per-neuron LFSRs of p-bit and Ising-machine hardware), and one per replica for the choices of focused search
  (two or three numbers per flip, scrambled by `hash32`, where threefry would cost more than the flip itself).
  The lanes are seeded from the key (`seed_lanes`), so runs stay deterministic by key.

The device noise of the analog crossbars in `AnalogHopfield` is drawn inside `analogsim` (its counter-based
`analogsim.random`), from the step's key.
"""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Bool, Float, Int

from .._cnf import CNF

__all__ = [
    "AbstractMethod",
    "AbstractParallelHopfield",
    "StepInfo",
    "xorshift32",
    "seed_lanes",
    "uniform_from_bits",
    "hash32",
    "anneal_temperature",
]


class StepInfo(NamedTuple):
    """What one step reports for each replica.

    **Attributes:**

    - `satisfied`: whether the assignment in the *returned* state satisfies every clause.
    - `unsat`: the number of unsatisfied clauses at the state the step evaluated (its input).
    - `flips`: the number of variables the step flipped.
    """

    satisfied: Bool[Array, " r"]
    unsat: Int[Array, " r"]
    flips: Int[Array, " r"]


class AbstractMethod(eqx.Module):
    """A stochastic k-SAT dynamics over a batch of replicas.

    `prepare(cnf)` compiles the formula into the arrays the dynamics needs (NumPy work, outside `jit`);
    `init(problem, x0, key=...)` builds the state from initial assignments `x0` (`(replicas, n_vars)` booleans);
    `step(problem, state, t, key=...)` is one pure update returning `(state, StepInfo)`. Contract: once a replica's
    assignment satisfies the formula, `step` leaves that replica's assignment unchanged, so a run can continue
    until every replica is solved. `assignment(problem, state)` reads the `(replicas, n_vars)` assignments back.
    """

    name: eqx.AbstractClassVar[str]
    replica_axis: eqx.AbstractClassVar[int]
    """The axis of every state array that runs over replicas (0: replica-major, -1: replica-minor); `solve` shards
    the state over devices along it."""

    @abc.abstractmethod
    def prepare(self, cnf: CNF) -> Any:
        """The formula compiled into the arrays `init` and `step` read."""

    @abc.abstractmethod
    def init(self, problem: Any, x0: Bool[Array, "r n"], *, key: Array) -> Any:
        """The state of the replicas that start at the assignments `x0`."""

    @abc.abstractmethod
    def step(self, problem: Any, state: Any, t: Int[Array, ""], *, key: Array) -> tuple[Any, StepInfo]:
        """One update of every replica at step `t` (0-based), with `key = jr.fold_in(run_key, t)`."""

    @abc.abstractmethod
    def assignment(self, problem: Any, state: Any) -> Bool[Array, "r n"]:
        """The replicas' current assignments."""

    @abc.abstractmethod
    def updates_per_step(self, problem: Any, replicas: int) -> int:
        """Neuron (variable) update evaluations per step over all replicas, used for throughput figures."""


class AbstractParallelHopfield(AbstractMethod):
    """A Hopfield network whose neurons all update at once, stochastically (Hizzani et al., ISCAS 2024).

    Every step each neuron reads `dE_i`, the energy change of flipping it, updates with probability `q`, and an
    updating neuron flips with probability `sigmoid(-dE_i / T)` (Glauber dynamics: the neuron takes the state that
    its field plus logistic noise of scale `T` favours). `T` anneals geometrically from `t_start` to `t_end` over
    `anneal_steps` steps and restarts. A replica whose assignment satisfies the formula stops changing. The update's
    random numbers come from per-neuron `xorshift32` lanes carried in the state (see the module docstring).

    **Arguments:**

    - `q`: the probability that a neuron updates in a step, in (0, 1].
    - `t_start`, `t_end`: the temperature at the start and the end of each annealing period, in energy units
      (unsatisfied clauses); positive.
    - `anneal_steps`: the annealing period, in steps.

    The defaults (`q = 0.4`, `T` from 1.5 to 0.15 over 2000 steps) are the best of the grid q in {0.15, 0.4},
    t_start in {1.5, 4}, t_end in {0.15, 0.4} for the high-order network on SATLIB uf20-01..03 (median TTS99 974
    sweeps); a subclass tuned on the same grid overrides them.
    """

    q: float = 0.4
    t_start: float = 1.5
    t_end: float = 0.15
    anneal_steps: int = 2000

    def __check_init__(self):
        if not 0.0 < self.q <= 1.0:
            raise ValueError(f"`q` (update probability per step) must be in (0, 1], got {self.q}.")
        if not (self.t_start > 0 and self.t_end > 0):
            raise ValueError(
                f"temperatures must be positive, got t_start={self.t_start}, t_end={self.t_end}."
            )
        if self.anneal_steps < 1:
            raise ValueError(f"`anneal_steps` must be >= 1, got {self.anneal_steps}.")

    def parallel_update(
        self,
        x: Array,
        d_e: Array,
        t,
        lanes: Array,
        unsat: Int[Array, " r"],
        eligible: Array | None = None,
        q_scale: Float[Array, " r"] | None = None,
    ) -> tuple[Array, Array, Int[Array, " r"]]:
        """One Glauber update of every neuron of every replica.

        **Arguments:**

        - `x`: the 0/1 neuron states, with the replica axis at `replica_axis`.
        - `d_e`: the energy change of flipping each neuron, same shape.
        - `t`: the step index (sets the temperature).
        - `lanes`: the `xorshift32` lane of each neuron, same shape.
        - `unsat`: unsatisfied clauses of each replica at `x`; replicas at 0 do not change.
        - `eligible`: optional booleans, same shape as `x`: only these neurons may update (None: all).
        - `q_scale`: optional per-replica factor in [0, 1] on the update probability `q` (None: 1).

        **Returns:**

        `(x, lanes, flips)`: the new states, the advanced lanes and the number of neurons each replica flipped.
        """
        neuron_axis = 1 if self.replica_axis == 0 else 0
        temp = anneal_temperature(t, self.t_start, self.t_end, self.anneal_steps)
        p_flip = self.q * jnp.reciprocal(1.0 + jnp.exp(d_e / temp))
        if q_scale is not None:
            p_flip = p_flip * jnp.expand_dims(q_scale, neuron_axis)
        lanes = xorshift32(lanes)
        active = jnp.expand_dims(unsat > 0, neuron_axis)
        flip = (uniform_from_bits(lanes) < p_flip) & active
        if eligible is not None:
            flip = flip & eligible
        flips = jnp.sum(flip, axis=neuron_axis, dtype=jnp.int32)
        return x ^ flip.astype(x.dtype), lanes, flips


def xorshift32(s: Array) -> Array:
    """One step of Marsaglia's xorshift32 generator (J. Stat. Softw. 8(14), 2003) on every lane of `s` (uint32,
    nonzero). The per-neuron generators play the role of the LFSRs of p-bit and Ising-machine hardware."""
    s = s ^ (s << 13)
    s = s ^ (s >> 17)
    return s ^ (s << 5)


def hash32(x: Array) -> Array:
    """A bijective 32-bit integer hash with full avalanche (C. Wellons' `lowbias32`, from his hash-prospector
    search, 2018) on uint32 `x`: output bits of a generator lane are scrambled by it before use."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def seed_lanes(key: Array, shape: tuple[int, ...]) -> Array:
    """Nonzero `xorshift32` lane states of `shape` drawn from `key` with `jax.random` (xorshift32 stays at 0 from
    0, so the lowest bit is set)."""
    return jr.bits(key, shape, jnp.uint32) | jnp.uint32(1)


def uniform_from_bits(bits: Array) -> Float[Array, ...]:
    """Uniform floats in [0, 1) from the top 24 bits of uint32 `bits`."""
    return (bits >> 8).astype(jnp.float32) * jnp.float32(2.0**-24)


def anneal_temperature(t, t_start, t_end, period: int) -> Float[Array, ""]:
    """Geometric annealing from `t_start` to `t_end` over `period` steps, restarted every `period` steps."""
    frac = (t % period).astype(jnp.float32) / max(period - 1, 1)
    return t_start * (t_end / t_start) ** frac
