"""The interface every k-SAT dynamics implements (pure `init`/`step` over a batch of replicas)."""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from .._cnf import CNF

__all__ = [
    "AbstractMethod",
    "StepInfo",
    "xorshift32",
    "uniform_from_bits",
    "anneal_temperature",
    "check_anneal",
]


class StepInfo(NamedTuple):
    """What one step reports for each replica.

    - `satisfied`: the assignment in the *returned* state satisfies every clause.
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
    def prepare(self, cnf: CNF) -> Any: ...

    @abc.abstractmethod
    def init(self, problem: Any, x0: Bool[Array, "r n"], *, key: Array) -> Any: ...

    @abc.abstractmethod
    def step(self, problem: Any, state: Any, t: Int[Array, ""], *, key: Array) -> tuple[Any, StepInfo]: ...

    @abc.abstractmethod
    def assignment(self, problem: Any, state: Any) -> Bool[Array, "r n"]: ...

    @abc.abstractmethod
    def updates_per_step(self, problem: Any, replicas: int) -> int:
        """Neuron (variable) update evaluations per step over all replicas, used for throughput figures."""


def xorshift32(s: Array) -> Array:
    """One step of Marsaglia's xorshift32 generator (J. Stat. Softw. 8(14), 2003) on every lane of `s` (uint32,
    nonzero). The per-neuron generators play the role of the LFSRs of p-bit and Ising-machine hardware; they are
    seeded from the solver's key, so runs stay deterministic by key."""
    s = s ^ (s << 13)
    s = s ^ (s >> 17)
    return s ^ (s << 5)


def uniform_from_bits(bits: Array) -> Float[Array, ...]:
    """Uniform floats in [0, 1) from the top 24 bits of uint32 `bits`."""
    return (bits >> 8).astype(jnp.float32) * jnp.float32(2.0**-24)


def anneal_temperature(t, t_start, t_end, period: int) -> Float[Array, ""]:
    """Geometric annealing from `t_start` to `t_end` over `period` steps, restarted every `period` steps."""
    frac = (t % period).astype(jnp.float32) / max(period - 1, 1)
    return t_start * (t_end / t_start) ** frac


def check_anneal(q, t_start, t_end, anneal_steps) -> None:
    """Validate the stochastic parallel update shared by the Hopfield-family methods."""
    if not 0.0 < q <= 1.0:
        raise ValueError(f"`q` (update probability per step) must be in (0, 1], got {q}.")
    if not (t_start > 0 and t_end > 0):
        raise ValueError(f"temperatures must be positive, got t_start={t_start}, t_end={t_end}.")
    if anneal_steps < 1:
        raise ValueError(f"`anneal_steps` must be >= 1, got {anneal_steps}.")
