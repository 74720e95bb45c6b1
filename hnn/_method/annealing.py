"""The best quadratic baseline: simulated annealing with single-spin Metropolis sweeps on the Rosenberg QUBO.

A quadratic Ising machine solves k-SAT by minimising the QUBO of its quadratization (`hnn.rosenberg`). Its standard
solver is simulated annealing (Kirkpatrick, Gelatt & Vecchi, Science 220, 671, 1983) with single-spin Metropolis
updates, which is what the p-bit and digital-annealer machines run (Aadit et al., Nat. Electron. 5, 460, 2022;
Aramon et al., Front. Phys. 7, 48, 2019). Such hardware updates the spins of one colour class of a proper colouring
of the coupling graph at once: spins of one class share no coupling, so updating them together is exactly the
sequential Metropolis chain in colour order, and a *sweep* (every spin updated once) takes one phase per colour.

**One step is one sweep** of all `n_vars + n_aux` spins, the same number of neuron updates per replica as one parallel
step of the quadratic network (`hnn.QuadratizedHopfield`), while the high-order network updates its `n_vars` neurons
in one step. Counting a whole sweep as one step credits the quadratic machine with doing its `colors` phases in the
time of one: step counts compared with the high-order network's are a lower bound on the quadratic machine's.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._cnf import CNF
from .._network import _round_up
from .base import AbstractMethod, StepInfo, anneal_temperature, seed_lanes, uniform_from_bits, xorshift32
from .quadratized import QuboProblem, consistent_aux

__all__ = ["QuboAnnealing", "AnnealingProblem", "balanced_coloring"]


def balanced_coloring(neighbours: list[list[int]]) -> list[int]:
    """A proper colouring of a graph with classes of similar size.

    Vertices are coloured in order of decreasing degree; each takes, among the colours none of its neighbours has,
    the one with the fewest vertices so far, and a new colour only when every existing one is taken by a neighbour
    (so at most `max degree + 1` colours, as plain greedy colouring).

    **Arguments:**

    - `neighbours`: the adjacency lists of vertices `0..n-1`.

    **Returns:**

    The colour (0-based) of each vertex.
    """
    n = len(neighbours)
    color = [-1] * n
    sizes: list[int] = []
    for v in sorted(range(n), key=lambda u: -len(neighbours[u])):
        taken = {color[u] for u in neighbours[v]}
        free = [c for c in range(len(sizes)) if c not in taken]
        if free:
            c = min(free, key=lambda c: sizes[c])
        else:
            c = len(sizes)
            sizes.append(0)
        color[v] = c
        sizes[c] += 1
    return color


def _grouped_coloring(neighbours: list[list[int]], n_original: int) -> np.ndarray:
    """`balanced_coloring` of the original variables and, with colours of their own, of the auxiliary ones: each
    class then holds spins of similar degree (originals: tens of couplings; auxiliaries: 3 or 4), so a class's
    field reads only as many neighbour slots as its own spins need."""
    n = len(neighbours)
    color = np.zeros(n, np.int64)
    offset = 0
    for lo, hi in ((0, n_original), (n_original, n)):
        if hi > lo:
            sub = [[j - lo for j in neighbours[v] if lo <= j < hi] for v in range(lo, hi)]
            color[lo:hi] = np.asarray(balanced_coloring(sub)) + offset
            offset = int(color[lo:hi].max()) + 1
    return color


class AnnealingProblem(eqx.Module):
    """A QUBO laid out for colour-class sweeps: the spins are reordered so that each colour class occupies a contiguous
    block of slots (padded to a multiple of 8 with spins fixed at 0), plus one dummy slot at the end.

    **Arguments:**

    - `linear`, `neighbours`, `weights`: per slot, the linear coefficient, the slots of its neighbours (padding:
      the dummy slot) and the coupling weights (padding: 0).
    - `valid`: whether a slot holds a spin (False for padding, which never flips).
    - `slot`: the slot of each QUBO variable (original variables first, then auxiliary ones).
    - `quadratic`: the QUBO with its clause network (`hnn.QuadratizedHopfield`'s problem).
    - `classes`: per colour class, `(first slot, padded size, neighbour slots its spins use)`.
    """

    linear: Float[Array, " s"]
    neighbours: Int[Array, "s d"]
    weights: Float[Array, "s d"]
    valid: Bool[Array, " s"]
    slot: Int[Array, " n"]
    quadratic: QuboProblem
    classes: tuple[tuple[int, int, int], ...] = eqx.field(static=True)

    @property
    def colors(self) -> int:
        """The number of colour classes: the phases of one sweep."""
        return len(self.classes)

    @classmethod
    def from_cnf(cls, cnf: CNF, penalty: float) -> AnnealingProblem:
        """The colour-class layout of the Rosenberg QUBO of `cnf` with penalty weight `penalty`."""
        quad = QuboProblem.from_cnf(cnf, penalty)
        n = quad.qubo.n_vars
        nbr = np.asarray(quad.neighbours)
        lists = [[int(j) for j in row if j < n] for row in nbr]
        color = _grouped_coloring(lists, quad.qubo.n_original)
        colors = int(color.max()) + 1 if n else 0
        sizes = np.bincount(color, minlength=colors)
        degree = np.zeros(colors, np.int64)
        np.maximum.at(degree, color, np.array([len(a) for a in lists], np.int64))
        widths = [_round_up(int(c), 8) for c in sizes]
        starts = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        dummy = int(starts[-1])
        slot = np.zeros(n, np.int64)
        fill = starts[:-1].copy()
        for v in range(n):
            slot[v] = fill[color[v]]
            fill[color[v]] += 1
        slot_of = np.append(slot, dummy)  # the QUBO's padding neighbour `n` maps to the dummy slot
        s_nbr = np.full((dummy + 1, nbr.shape[1]), dummy, np.int32)
        s_w = np.zeros((dummy + 1, nbr.shape[1]), np.float32)
        s_lin = np.zeros(dummy + 1, np.float32)
        valid = np.zeros(dummy + 1, bool)
        s_nbr[slot] = slot_of[nbr]
        s_w[slot] = np.asarray(quad.weights)
        s_lin[slot] = np.asarray(quad.linear)
        valid[slot] = True
        classes = tuple(
            (int(starts[c]), widths[c], min(_round_up(int(degree[c]), 4), nbr.shape[1]))
            for c in range(colors)
        )
        return cls(
            linear=jnp.asarray(s_lin),
            neighbours=jnp.asarray(s_nbr),
            weights=jnp.asarray(s_w),
            valid=jnp.asarray(valid),
            slot=jnp.asarray(slot.astype(np.int32)),
            quadratic=quad,
            classes=classes,
        )


class AnnealingState(NamedTuple):
    """The state of `QuboAnnealing`.

    **Attributes:**

    - `s`: the spins in slot order (`AnnealingProblem`), replica-minor `(slots + 1, replicas)`, int8 0/1.
    - `lanes`: the per-slot `xorshift32` states, same shape.
    """

    s: Int[Array, "s r"]
    lanes: Int[Array, "s r"]


def _float_leaf(x) -> Array:
    """A float32 array leaf: the inverse temperatures are traced under `jit`, so settings that differ only in them
    share one compiled program (a tuning grid compiles once per `sweeps` value)."""
    return jnp.asarray(x, jnp.float32)


class QuboAnnealing(AbstractMethod):
    """Simulated annealing with single-spin Metropolis sweeps on the Rosenberg QUBO of the CNF, over a batch of
    replicas: the quadratic Ising machine's solver, the baseline of the high-order network (see the module
    docstring for what one step is).

    Each sweep updates the colour classes in turn; a spin flips with the Metropolis probability
    `min(1, exp(-beta dE_i))`, `dE_i = (1 - 2 s_i)(b_i + sum_j W_ij s_j)` read from its neighbours' current
    states (O(degree) work per spin update, as with incrementally maintained local fields, and exact: the
    weights are small integers). The inverse temperature `beta` rises geometrically from `beta_start` to `beta_end` over `sweeps` sweeps
    and restarts (re-heats) every `sweeps` sweeps, so `sweeps` is the length of one annealing run. Auxiliary
    variables start consistent with the random original assignment (`z = u v`). A replica stops changing once its
    original variables satisfy the formula. Random numbers: one `xorshift32` lane per spin, seeded from `init`'s
    key.

    **Arguments:**

    - `beta_start`, `beta_end`: the inverse temperatures at the start and the end of each annealing run, in
      1 / energy unit (unsatisfied clauses); positive. Stored as float32 array leaves (traced under `jit`).
    - `sweeps`: sweeps per annealing run (restart period), at least 1.
    - `penalty`: the Rosenberg penalty weight `P` (`hnn.rosenberg`), at least 1.

    The defaults (beta from 1 to 5, 1000 sweeps per run, penalty 1) are the setting that
    `analogsim_lab.hpe_compare`'s tuning grid chose on SATLIB uf20 and uf50 (two tuning files each); at uf75 it
    chose beta from 1 to 15 over 10,000 sweeps.
    """

    beta_start: Float[Array, ""] = eqx.field(default=1.0, converter=_float_leaf)
    beta_end: Float[Array, ""] = eqx.field(default=5.0, converter=_float_leaf)
    sweeps: int = 1000
    penalty: float = 1.0
    name: ClassVar[str] = "qubo_sa"
    replica_axis: ClassVar[int] = -1

    def __check_init__(self):
        if not (float(self.beta_start) > 0 and float(self.beta_end) > 0):
            raise ValueError(
                f"inverse temperatures must be positive, got beta_start={self.beta_start}, beta_end={self.beta_end}."
            )
        if not (isinstance(self.sweeps, int) and self.sweeps >= 1):
            raise ValueError(f"`sweeps` (sweeps per annealing run) must be an int >= 1, got {self.sweeps!r}.")
        if not self.penalty >= 1.0:
            raise ValueError(
                f"`penalty` must be >= 1 for the QUBO to keep the CNF's minimizers, got {self.penalty}."
            )

    def prepare(self, cnf: CNF) -> AnnealingProblem:
        return AnnealingProblem.from_cnf(cnf, self.penalty)

    def init(self, problem: AnnealingProblem, x0, *, key) -> AnnealingState:
        r = x0.shape[0]
        values = jnp.concatenate([x0.T, consistent_aux(problem.quadratic, x0)], axis=0).astype(jnp.int8)
        s = jnp.zeros((problem.linear.shape[0], r), jnp.int8).at[problem.slot].set(values)
        return AnnealingState(s, seed_lanes(key, s.shape))

    def step(
        self, problem: AnnealingProblem, state: AnnealingState, t, *, key
    ) -> tuple[AnnealingState, StepInfo]:
        del key  # the per-spin lanes carry the randomness
        n = problem.quadratic.network.n_vars
        x = state.s[problem.slot[:n]]
        unsat = jnp.sum(problem.quadratic.network.forward(x) == 0, axis=0, dtype=jnp.int32)
        beta = 1.0 / anneal_temperature(t, 1.0 / self.beta_start, 1.0 / self.beta_end, self.sweeps)
        active = (unsat > 0)[None, :]

        s, lanes, flips = state.s, state.lanes, jnp.zeros(unsat.shape, jnp.int32)
        for lo, w, degree in problem.classes:  # unrolled over classes: static slices
            block = slice(lo, lo + w)
            nbr = s[problem.neighbours[block, :degree]].astype(jnp.float32)  # (w, degree, r)
            field = problem.linear[block, None] + jnp.einsum("vd,vdr->vr", problem.weights[block, :degree], nbr)
            own = s[block]
            d_e = (1.0 - 2.0 * own.astype(jnp.float32)) * field
            lane = xorshift32(lanes[block])
            flip = problem.valid[block, None] & active
            flip = flip & (uniform_from_bits(lane) < jnp.exp(-beta * jnp.maximum(d_e, 0.0)))
            s = s.at[block].set(own ^ flip.astype(s.dtype))
            lanes = lanes.at[block].set(lane)
            flips = flips + jnp.sum(flip, axis=0, dtype=jnp.int32)
        return AnnealingState(s, lanes), StepInfo(satisfied=unsat == 0, unsat=unsat, flips=flips)

    def assignment(self, problem: AnnealingProblem, state: AnnealingState):
        return state.s[problem.slot[: problem.quadratic.network.n_vars]].T.astype(bool)

    def updates_per_step(self, problem: AnnealingProblem, replicas: int) -> int:
        return problem.quadratic.qubo.n_vars * replicas
