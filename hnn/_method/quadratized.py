"""The quadratized baseline: the Rosenberg QUBO of the same CNF run with the same stochastic parallel dynamics."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from .._cnf import CNF
from .._network import HighOrderNetwork, _round_up
from .._qubo import QUBO, rosenberg
from .base import AbstractParallelHopfield, StepInfo, seed_lanes

__all__ = ["QuadratizedHopfield", "QuboProblem", "consistent_aux"]


class QuboProblem(eqx.Module):
    """A QUBO as padded neighbour lists (replica-minor dynamics), plus the clause network used to check the
    original variables against the formula.

    **Arguments:**

    - `linear`: the QUBO's linear coefficients.
    - `neighbours`, `weights`: each variable's neighbours and coupling weights, padded with the dummy variable `n`
      (always 0) and weight 0.
    - `aux_clause`, `aux_length`: auxiliary variable `z_a` is the product of the first `aux_length[a]` literal
      falsities of clause `aux_clause[a]`.
    - `network`: the clause network of the original variables.
    - `qubo`: the QUBO itself.
    """

    linear: Float[Array, " n"]
    neighbours: Int[Array, "n d"]
    weights: Float[Array, "n d"]
    aux_clause: Int[Array, " a"]
    aux_length: Int[Array, " a"]
    network: HighOrderNetwork
    qubo: QUBO

    @classmethod
    def from_cnf(cls, cnf: CNF, penalty: float) -> QuboProblem:
        qubo = rosenberg(cnf, penalty=penalty)
        n = qubo.n_vars
        edges = np.asarray(qubo.edges)
        w = np.asarray(qubo.edge_weights)
        nbr_lists = [[] for _ in range(n)]
        for (i, j), wij in zip(edges, w, strict=False):
            nbr_lists[i].append((j, wij))
            nbr_lists[j].append((i, wij))
        d = _round_up(max((len(a) for a in nbr_lists), default=0), 8)
        nbr = np.full((n, d), n, np.int32)
        wts = np.zeros((n, d), np.float32)
        for i, lst in enumerate(nbr_lists):
            for s, (j, wij) in enumerate(lst):
                nbr[i, s] = j
                wts[i, s] = wij
        aux_clause, aux_length = [], []
        for c, clause in enumerate(cnf.to_lists()):
            for length in range(2, len(clause)):
                aux_clause.append(c)
                aux_length.append(length)
        return cls(
            aux_clause=jnp.asarray(np.array(aux_clause, np.int32)),
            aux_length=jnp.asarray(np.array(aux_length, np.int32)),
            linear=qubo.linear,
            neighbours=jnp.asarray(nbr),
            weights=jnp.asarray(wts),
            network=HighOrderNetwork.from_cnf(cnf),
            qubo=qubo,
        )


class QuboState(NamedTuple):
    """The state of `QuadratizedHopfield`.

    **Attributes:**

    - `s`: original then auxiliary variables, replica-minor `(n_vars + n_aux, replicas)`, int8 0/1.
    - `lanes`: the per-neuron `xorshift32` states, same shape.
    """

    s: Int[Array, "n r"]
    lanes: Int[Array, "n r"]


class QuadratizedHopfield(AbstractParallelHopfield):
    """A quadratic (Ising/QUBO) Hopfield network on the Rosenberg quadratization of the CNF, with exactly the
    annealed Glauber update of `HighOrderHopfield` (`AbstractParallelHopfield`) on
    `dE_i = (1 - 2 s_i)(b_i + sum_j W_ij s_j)`. This is the baseline the high-order network is compared with
    (Hizzani et al., ISCAS 2024). Auxiliary variables are initialised consistently (`z = u v`) from the random
    original assignment. One step evaluates `n_vars + n_aux` neuron updates per replica. A replica stops changing
    once its original variables satisfy the formula. Random numbers: `xorshift32` lanes per neuron (auxiliary ones
    included), seeded from `init`'s key.

    **Arguments:**

    - `q`, `t_start`, `t_end`, `anneal_steps`: the update of `AbstractParallelHopfield`.
    - `penalty`: the Rosenberg penalty weight `P` (`hnn.rosenberg`), at least 1.

    Defaults (`q = 0.4`, `T` from 1.5 to 0.4, Rosenberg penalty 1, the smallest that keeps the minimizers) are the
    best of the same grid as `HighOrderHopfield`'s plus penalty in {1, 2} on SATLIB uf20-01..03 (median TTS99 7,867
    sweeps against 68,174 with the high-order defaults and penalty 2).
    """

    t_end: float = 0.4
    penalty: float = 1.0
    name: ClassVar[str] = "qubo"
    replica_axis: ClassVar[int] = -1

    def prepare(self, cnf: CNF) -> QuboProblem:
        return QuboProblem.from_cnf(cnf, self.penalty)

    def init(self, problem: QuboProblem, x0, *, key) -> QuboState:
        r, n = x0.shape
        n_total = problem.qubo.n_vars
        aux = consistent_aux(problem, x0)
        s = jnp.concatenate([x0.T, aux], axis=0).astype(jnp.int8)
        return QuboState(s, seed_lanes(key, (n_total, r)))

    def step(self, problem: QuboProblem, state: QuboState, t, *, key) -> tuple[QuboState, StepInfo]:
        del key  # the per-neuron lanes carry the randomness
        s = state.s
        n = problem.network.n_vars
        n_true = problem.network.forward(s[:n])
        unsat = jnp.sum(n_true == 0, axis=0, dtype=jnp.int32)
        r = s.shape[1]
        sp = jnp.concatenate([s, jnp.zeros((1, r), s.dtype)], axis=0).astype(jnp.float32)
        field = jnp.broadcast_to(problem.linear[:, None], s.shape)
        for j in range(problem.neighbours.shape[1]):
            field = field + problem.weights[:, j, None] * sp[problem.neighbours[:, j]]
        d_e = (1.0 - 2.0 * s.astype(jnp.float32)) * field
        s, lanes, flips = self.parallel_update(s, d_e, t, state.lanes, unsat)
        return QuboState(s, lanes), StepInfo(satisfied=unsat == 0, unsat=unsat, flips=flips)

    def assignment(self, problem: QuboProblem, state: QuboState):
        return state.s[: problem.network.n_vars].T.astype(bool)

    def updates_per_step(self, problem: QuboProblem, replicas: int) -> int:
        return problem.qubo.n_vars * replicas


def consistent_aux(problem: QuboProblem, x0) -> Array:
    """Auxiliary values `z_1 = y_1 y_2`, `z_j = z_{j-1} y_{j+1}` of each clause chain, in `rosenberg`'s order."""
    net = problem.network
    xv = x0.T[net.var]  # (m, k, r)
    falsity = (xv == net.negated[..., None]) | ~net.mask[..., None]  # y = literal is false
    prefix = jnp.arange(net.width)[None, :] < problem.aux_length[:, None]  # (a, k)
    f = falsity[problem.aux_clause]  # (a, k, r)
    return jnp.all(f | ~prefix[..., None], axis=1)
