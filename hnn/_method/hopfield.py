"""The high-order Hopfield network with stochastic parallel updates and an annealed noise schedule."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Int

from .._cnf import CNF
from .._network import HighOrderNetwork
from .base import AbstractMethod, StepInfo, anneal_temperature, check_anneal, uniform_from_bits, xorshift32

__all__ = ["HighOrderHopfield"]


class HopfieldState(NamedTuple):
    x: Int[Array, "n r"]  # replica-minor assignments, 0/1 in the network's count dtype
    lanes: Int[Array, "n r"]  # per-neuron xorshift32 states


class HighOrderHopfield(AbstractMethod):
    """Stochastic parallel dynamics of the high-order Hopfield network (Hizzani et al., ISCAS 2024).

    Every step, all neurons read their high-order local field at once: the forward pass counts each clause's true
    literals, the backward pass gives each variable's make and break counts, and `dE_v = break_v - make_v` is the
    energy change of flipping `v`. Each neuron updates with probability `q`, and an updating neuron takes the state
    that the field plus logistic noise of scale `T` favours, i.e. flips with probability `sigmoid(-dE_v / T)`
    (Glauber dynamics). `T` anneals geometrically from `t_start` to `t_end` over `anneal_steps` steps and restarts.
    A replica whose assignment satisfies the formula stops changing.

    One step evaluates `n_vars` neuron updates per replica.

    Defaults (`q = 0.4`, `T` from 1.5 to 0.15 over 2000 steps) are the best of the grid q in {0.15, 0.4},
    t_start in {1.5, 4}, t_end in {0.15, 0.4} on SATLIB uf20-01..03 (median TTS99 974 sweeps); the quadratized twin
    was tuned on the same grid (plus its penalty), so the comparison between them is like for like.
    """

    q: float = 0.4
    t_start: float = 1.5
    t_end: float = 0.15
    anneal_steps: int = 2000
    name: ClassVar[str] = "hopfield"
    replica_axis: ClassVar[int] = -1

    def __check_init__(self):
        check_anneal(self.q, self.t_start, self.t_end, self.anneal_steps)

    def prepare(self, cnf: CNF) -> HighOrderNetwork:
        return HighOrderNetwork.from_cnf(cnf)

    def init(self, problem: HighOrderNetwork, x0, *, key) -> HopfieldState:
        x = x0.T.astype(problem.count_dtype)
        lanes = jr.bits(key, x.shape, jnp.uint32) | jnp.uint32(1)
        return HopfieldState(x, lanes)

    def step(
        self, problem: HighOrderNetwork, state: HopfieldState, t, *, key
    ) -> tuple[HopfieldState, StepInfo]:
        del key  # the per-neuron generators carry the randomness
        x = state.x
        n_true = problem.forward(x)
        unsat = jnp.sum(n_true == 0, axis=0, dtype=jnp.int32)
        make, brk = problem.backward(x, n_true)
        d_e = brk.astype(jnp.float32) - make.astype(jnp.float32)
        temp = anneal_temperature(t, self.t_start, self.t_end, self.anneal_steps)
        p_flip = self.q * jnp.reciprocal(1.0 + jnp.exp(d_e / temp))
        lanes = xorshift32(state.lanes)
        flip = (uniform_from_bits(lanes) < p_flip) & (unsat > 0)[None, :]
        x = x ^ flip.astype(x.dtype)
        info = StepInfo(satisfied=unsat == 0, unsat=unsat, flips=jnp.sum(flip, axis=0, dtype=jnp.int32))
        return HopfieldState(x, lanes), info

    def assignment(self, problem, state: HopfieldState):
        return state.x.T.astype(bool)

    def updates_per_step(self, problem: HighOrderNetwork, replicas: int) -> int:
        return problem.n_vars * replicas
