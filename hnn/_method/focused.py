"""Focused local search (WalkSAT/SKC and probSAT) on the high-order network's clause states.

Both pick an unsatisfied clause uniformly at random and flip one of its variables, chosen from the variables' break
counts (a variable breaks a clause iff it is that clause's only true literal: the product of the other literals'
falsities in the energy gradient is 1, see `hnn.energy`). The bookkeeping is that of probSAT's reference C code
(A. Balint, `probSAT.c`, version SC13, github.com/adrianopolus/probSAT), per replica:

- the true-literal count of every clause, and the sum of the indices of its true variables (so a clause with one
  true literal names its critical variable without a scan);
- the break count of every variable, updated after a flip only for the clauses that contain the flipped variable
  (its occurrence list);
- the list of unsatisfied clauses with each clause's position in it: a clause is picked in O(1), removed by moving
  the list's tail into its place and appended when it becomes unsatisfied.

A flip therefore costs O(occurrences of the flipped variable), not O(clauses). Replicas are batched with `jax.vmap`;
`flips_per_step` flips of every replica run inside one step (unrolled) to amortise the loop and stop-test overhead
of `hnn.solve`'s compiled loop.
"""

from __future__ import annotations

import abc
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._cnf import CNF
from .._network import HighOrderNetwork
from .base import AbstractMethod, StepInfo, hash32, seed_lanes, uniform_from_bits, xorshift32

__all__ = ["ProbSAT", "WalkSAT", "probsat_parameters"]


class FocusedState(NamedTuple):
    """The state of a focused search, replica-major (first axis: replicas).

    **Attributes:**

    - `x`: the assignments `(replicas, n_vars)`, booleans.
    - `clause`: each clause's packed state `(upper << problem.shift) | n_true`, where `n_true` is its true-literal
      count and `upper` is, for a satisfied clause, the sum of the 0-based indices of its true variables (the
      critical variable of a clause with one true literal) and, for an unsatisfied clause, its position in
      `unsat`. Padding clauses and the dummy clause (last index, the target of padding occurrence slots) hold
      `n_true = 2`, so they are never unsatisfied nor critical.
    - `breaks`: each variable's break count, plus a sink at index `n_vars` for updates that change nothing.
    - `unsat`: the unsatisfied clauses, in its first `n_unsat` entries (the last entry is a sink).
    - `n_unsat`: the number of unsatisfied clauses.
    - `lanes`: the replica's random generator state (see `next_bits`).
    """

    x: Bool[Array, "r n"]
    clause: Int[Array, "r m1"]
    breaks: Int[Array, "r n1"]
    unsat: Int[Array, "r m1"]
    n_unsat: Int[Array, " r"]
    lanes: Int[Array, " r"]


class FocusedProblem(eqx.Module):
    """A formula prepared for focused search.

    **Arguments:**

    - `network`: the clause network of the formula (clauses and occurrence lists padded to bucketed sizes).
    - `break_weights`: probSAT's weight of a candidate with break count `b`, at index `b` (unused by WalkSAT).
    - `occurrence`: per variable occurrence slot, `clause * 2 + positive` (padding slots: the dummy clause).
    - `shift`: the bits of a packed clause state that hold its true-literal count.
    """

    network: HighOrderNetwork
    break_weights: Float[Array, " b"]
    occurrence: Int[Array, "n d"]
    shift: int = eqx.field(static=True)

    @classmethod
    def from_network(cls, net: HighOrderNetwork, break_weights) -> FocusedProblem:
        """The focused-search arrays of `net`; raises `ValueError` if a packed clause state could overflow int32."""
        shift = max(int(net.width + 2).bit_length(), 2)
        if (max(net.width, 1) * max(net.n_vars, net.n_clauses + 1)) << shift >= 2**31:
            raise ValueError(
                f"formula too large for focused search's int32 clause states: {net.n_vars} variables, "
                f"{net.n_clauses} (padded) clauses of width {net.width}; at most about 2**31 / (width * 2**{shift})."
            )
        # host arithmetic: an eager jnp op would trace and compile a program at every start-up of `python -m hnn`
        occurrence = np.asarray(net.occ_clause) * 2 + np.asarray(net.occ_positive).astype(np.int32)
        return cls(net, jax.device_put(np.asarray(break_weights, np.float32)), jax.device_put(occurrence), shift)


def next_bits(lanes: Array) -> tuple[Array, Array]:
    """Advances each replica's `xorshift32` lane and returns `(lanes, bits)`: 32 random bits per replica, the lane
    scrambled by `hash32` (xorshift32's low bits and consecutive outputs are correlated; the hash removes that)."""
    lanes = xorshift32(lanes)
    return lanes, hash32(lanes)


def _init_one(problem: FocusedProblem, x, lane) -> FocusedState:
    """The bookkeeping of one replica at assignment `x` `(n_vars,)`."""
    net = problem.network
    m1 = net.n_clauses + 1
    lit = (x[net.var] ^ net.negated) & net.mask  # (m, k)
    n_true = jnp.sum(lit, axis=1, dtype=jnp.int32) + 2 * net.padding.astype(jnp.int32)
    true_sum = jnp.sum(jnp.where(lit, net.var, 0), axis=1, dtype=jnp.int32)
    n_true = jnp.concatenate([n_true, jnp.full((1,), 2, jnp.int32)])
    true_sum = jnp.concatenate([true_sum, jnp.zeros((1,), jnp.int32)])
    crit = jnp.where(n_true == 1, true_sum, net.n_vars)
    breaks = jnp.zeros((net.n_vars + 1,), jnp.int32).at[crit].add(1)
    order = jnp.argsort(n_true != 0, stable=True).astype(jnp.int32)  # unsatisfied clauses first, by index
    position = jnp.zeros((m1,), jnp.int32).at[order].set(jnp.arange(m1, dtype=jnp.int32))
    upper = jnp.where(n_true == 0, position, true_sum)
    n_unsat = jnp.sum(n_true == 0, dtype=jnp.int32)
    return FocusedState(x, (upper << problem.shift) | n_true, breaks, order, n_unsat, lane)


def _list_moves(s: FocusedState, satisfied_now, old_pos):
    """How the unsatisfied-clause list closes the gaps of the clauses a flip satisfied (`probSAT.c` moves the
    list's last entry into each gap, one clause at a time; this is the same set of moves at once): the list keeps
    its first `kept` entries; each removed clause inside them leaves a hole that one of the last `a` entries that
    stays unsatisfied (a filler) fills.

    **Returns:**

    `(kept, is_hole, mover, mover_pos)`: the kept length, which occurrence slots hold a hole, and for each hole
    the clause that moves into it and that clause's old position.
    """
    d = satisfied_now.shape[0]
    sink = s.unsat.shape[0] - 1
    a = jnp.sum(satisfied_now, dtype=jnp.int32)
    kept = s.n_unsat - a
    is_hole = satisfied_now & (old_pos < kept)
    i = jnp.arange(d, dtype=jnp.int32)
    tail = s.unsat[jnp.minimum(kept + i, sink)]  # the last `a` entries of the list
    in_tail = satisfied_now & (old_pos >= kept)
    removed_in_tail = jnp.zeros((d + 1,), bool).at[jnp.where(in_tail, old_pos - kept, d)].set(True)[:d]
    is_filler = (i < a) & ~removed_in_tail
    hole_rank = jnp.cumsum(is_hole, dtype=jnp.int32) - 1
    filler_rank = jnp.cumsum(is_filler, dtype=jnp.int32) - 1
    by_rank = jnp.zeros((d + 1,), jnp.int32).at[jnp.where(is_filler, filler_rank, d)].set(i)
    slot = by_rank[jnp.clip(hole_rank, 0, d - 1)]  # the tail slot whose clause fills each hole
    return kept, is_hole, tail[slot], kept + slot


def _flip_one(problem: FocusedProblem, s: FocusedState, v, active) -> FocusedState:
    """Flips variable `v` of one replica if `active`, updating the clause states, break counts and the
    unsatisfied-clause list for the clauses that contain `v` (the rules of `probSAT.c`'s `pickAndFlip`)."""
    net, shift = problem.network, problem.shift
    sink_clause, sink_var = net.n_clauses, net.n_vars
    new_val = ~s.x[v]
    code = problem.occurrence[v]
    occ = code >> 1
    valid = (occ != sink_clause) & active
    makes = (code & 1).astype(bool) == new_val
    old_state = s.clause[occ]
    old = old_state & ((1 << shift) - 1)
    upper = old_state >> shift  # true-variable sum, or the list position of an unsatisfied clause
    satisfied_now = valid & makes & (old == 0)
    unsatisfied_now = valid & ~makes & (old == 1)
    # Break counts: a clause of `v` that `v` makes true relieves its critical variable (1 -> 2 true) or makes
    # `v` critical (0 -> 1); one that `v` makes false leaves its other true variable critical (2 -> 1) or stops
    # `v` being critical (1 -> 0).
    relieved = valid & makes & (old == 1)
    now_critical = valid & ~makes & (old == 2)
    target = jnp.where(relieved, upper, jnp.where(now_critical, upper - v, sink_var))
    own = jnp.sum(satisfied_now, dtype=jnp.int32) - jnp.sum(unsatisfied_now, dtype=jnp.int32)
    breaks = s.breaks.at[jnp.append(target, v)].add(
        jnp.append(now_critical.astype(jnp.int32) - relieved.astype(jnp.int32), own)
    )
    # The unsatisfied-clause list: gaps closed from its tail, then the newly unsatisfied clauses appended.
    kept, is_hole, mover, mover_pos = _list_moves(s, satisfied_now, upper)
    new_pos = kept + jnp.cumsum(unsatisfied_now, dtype=jnp.int32) - 1
    unsat = s.unsat.at[
        jnp.concatenate(
            [jnp.where(is_hole, upper, sink_clause), jnp.where(unsatisfied_now, new_pos, sink_clause)]
        )
    ].set(jnp.concatenate([mover, occ]))
    # Clause states: the count changes by +-1; the upper field by +-v, except that a clause leaving the list
    # trades its position for `v` and one entering it trades `v` for its position; movers change position.
    sign = jnp.where(valid, jnp.where(makes, 1, -1), 0)
    up_delta = jnp.where(satisfied_now, v - upper, jnp.where(unsatisfied_now, new_pos - v, sign * v))
    mover_delta = jnp.where(is_hole, upper - mover_pos, 0)
    clause = s.clause.at[jnp.concatenate([occ, jnp.where(is_hole, mover, sink_clause)])].add(
        jnp.concatenate([(up_delta << shift) + sign, mover_delta << shift])
    )
    x = s.x.at[v].set(jnp.where(active, new_val, s.x[v]))
    return FocusedState(x, clause, breaks, unsat, kept + jnp.sum(unsatisfied_now, dtype=jnp.int32), s.lanes)


def _sample_index(weights, u):
    """Index `j` with probability `weights[j] / sum(weights)` (inverse-CDF with one uniform `u`)."""
    cdf = jnp.cumsum(weights)
    j = jnp.argmax(cdf > u * cdf[-1])
    return jnp.minimum(j, weights.shape[0] - 1)


class AbstractFocusedSearch(AbstractMethod):
    """Focused local search: every flip, each replica picks a uniformly random unsatisfied clause and flips one of
    its variables, chosen by `choose` from the candidates' break counts.

    **Arguments:**

    - `flips_per_step`: flips of every replica per step of `hnn.solve` (unrolled in one compiled step; a replica
      stops flipping as soon as it is satisfied, so `Solution.replica_flips` counts its flips exactly, while
      `replica_hit_step` counts steps of `flips_per_step` flips).

    Random numbers: one `xorshift32` lane per replica, seeded from `init`'s key and scrambled by `hash32`;
    `1 + n_bits` draws per flip (one to pick the clause, `n_bits` for `choose`). A step is a pure function of the
    state, so equal keys give equal runs.
    """

    n_bits: eqx.AbstractClassVar[int]
    flips_per_step: int = eqx.field(default=1, static=True)
    replica_axis: ClassVar[int] = 0

    def __check_init__(self):
        if not isinstance(self.flips_per_step, int) or self.flips_per_step < 1:
            raise ValueError(f"`flips_per_step` must be a positive int, got {self.flips_per_step!r}.")

    def init(self, problem: FocusedProblem, x0, *, key) -> FocusedState:
        lanes = seed_lanes(key, (x0.shape[0],))
        return jax.vmap(_init_one, in_axes=(None, 0, 0))(problem, x0.astype(bool), lanes)

    def assignment(self, problem, state: FocusedState):
        return state.x

    def updates_per_step(self, problem, replicas: int) -> int:
        return replicas * self.flips_per_step

    @abc.abstractmethod
    def choose(self, problem: FocusedProblem, mask, brk, bits) -> Array:
        """Index of the clause position to flip, from the candidate mask and break counts; `bits` (uint32, shape
        `(n_bits,)`) are this replica's random bits beyond the one used to pick the clause."""

    def _flip(self, problem: FocusedProblem, s: FocusedState) -> tuple[FocusedState, Array]:
        """One flip of one replica: pick a clause, choose a variable, flip it (nothing once satisfied)."""
        net = problem.network
        lanes, b0 = next_bits(s.lanes)
        bits = []
        for _ in range(self.n_bits):
            lanes, b = next_bits(lanes)
            bits.append(b)
        c = s.unsat[b0 % jnp.maximum(s.n_unsat, 1).astype(jnp.uint32)]
        vs, mask = net.var[c], net.mask[c]
        j = self.choose(problem, mask, s.breaks[vs], jnp.stack(bits))
        active = (s.n_unsat > 0) & mask[j]
        return _flip_one(problem, s._replace(lanes=lanes), vs[j], active), active

    def step(self, problem: FocusedProblem, state: FocusedState, t, *, key) -> tuple[FocusedState, StepInfo]:
        del t, key  # the per-replica lanes carry the randomness

        def one(s: FocusedState):
            n = jnp.zeros((), jnp.int32)
            for _ in range(self.flips_per_step):
                s, active = self._flip(problem, s)
                n = n + active
            return s, n

        new, flips = jax.vmap(one)(state)
        info = StepInfo(satisfied=new.n_unsat == 0, unsat=state.n_unsat, flips=flips)
        return new, info


PROBSAT_CB_EXP = {4: 2.85, 5: 3.7, 6: 5.1}
"""probSAT's exponential-rule `cb` per clause size in its reference C code (`setupParameters` in `probSAT.c`,
version SC13); 5.4 for `k >= 7`."""


def probsat_parameters(k: int) -> tuple[str, float, float]:
    """The defaults of probSAT's reference C code for formulas whose longest clause has `k` literals:
    `("poly", 2.06, 0.9)` for `k <= 3`, else `("exp", cb, eps)` with `cb` = 2.85 (k = 4), 3.7 (5), 5.1 (6), 5.4
    (k >= 7) (`eps` unused by the exponential rule).

    Source: `setupParameters()` in `probSAT.c` by A. Balint (version SC13, github.com/adrianopolus/probSAT). The
    SAT 2012 paper (Balint & Schoening, Table 2) lists cb = 3.0 for k = 4; the code's tuned 2.85 is used here."""
    if k <= 3:
        return "poly", 2.06, 0.9
    return "exp", PROBSAT_CB_EXP.get(k, 5.4), 0.9


class ProbSAT(AbstractFocusedSearch):
    """probSAT (Balint & Schoening, SAT 2012): in a random unsatisfied clause, flip variable `v` with probability
    proportional to `f(break_v)`, `f(b) = (eps + b)^-cb` (polynomial rule) or `cb^-b` (exponential rule).

    With `rule="auto"` and no `cb`, the rule and constants are those of probSAT's reference C code for the
    formula's longest clause `k` (`hnn.probsat_parameters`): polynomial with `cb = 2.06`, `eps = 0.9` for
    `k <= 3`; exponential with `cb = 2.85, 3.7, 5.1, 5.4` for `k = 4, 5, 6, >= 7`. The reference code walks the
    unsatisfied-clause list cyclically (`falseClause[flip % numFalse]`); this one picks uniformly at random, as the
    paper's algorithm does.

    **Arguments:**

    - `rule`: `"auto"`, `"poly"` or `"exp"`.
    - `cb`: the rule's base (None: the reference code's for the clause size).
    - `eps`: the polynomial rule's offset (0.9, the reference code's for 3-SAT).
    - `flips_per_step`: see `AbstractFocusedSearch`.

    Random numbers: two draws per flip (clause, candidate).
    """

    rule: str = "auto"
    cb: float | None = None
    eps: float = 0.9
    name: ClassVar[str] = "probsat"
    n_bits: ClassVar[int] = 1

    def __check_init__(self):
        if self.rule not in ("auto", "poly", "exp"):
            raise ValueError(f"`rule` must be 'auto', 'poly' or 'exp', got {self.rule!r}.")
        if self.cb is not None and not self.cb > 0:
            raise ValueError(f"`cb` must be positive, got {self.cb}.")
        if not self.eps > 0:
            raise ValueError(f"`eps` must be positive, got {self.eps}.")

    def resolved(self, k: int) -> tuple[str, float]:
        """The rule and `cb` used for clause size `k`: `cb` if given, else the reference code's for the rule and
        `k` (for a rule the reference code does not use at this `k`: 2.06 for the polynomial rule, 2.5 for the
        exponential rule at `k <= 3`, the paper's value)."""
        auto_rule, auto_cb, _ = probsat_parameters(k)
        rule = auto_rule if self.rule == "auto" else self.rule
        if self.cb is not None:
            return rule, self.cb
        if rule == auto_rule:
            return rule, auto_cb
        return rule, 2.06 if rule == "poly" else 2.5

    def prepare(self, cnf: CNF) -> FocusedProblem:
        net = HighOrderNetwork.from_cnf(cnf)
        rule, cb = self.resolved(cnf.width)
        b = np.arange(net.max_occurrences + 1, dtype=np.float64)
        w = (self.eps + b) ** -cb if rule == "poly" else cb**-b
        return FocusedProblem.from_network(net, w)

    def choose(self, problem: FocusedProblem, mask, brk, bits):
        w = jnp.where(mask, problem.break_weights[brk], 0.0)
        return _sample_index(w, uniform_from_bits(bits[0]))


class WalkSAT(AbstractFocusedSearch):
    """WalkSAT with the SKC rule (Selman, Kautz & Cohen, AAAI 1994): in a random unsatisfied clause, flip a variable
    with break 0 if there is one (a "freebie"); otherwise, with probability `noise`, a random variable of the clause,
    else one with the fewest breaks (ties broken at random). `noise = 0.567` is the optimum reported for uniform
    random 3-SAT (Hoos, AAAI 2002 / Kroc et al., SAT 2010).

    **Arguments:**

    - `noise`: the random-walk probability, in [0, 1].
    - `flips_per_step`: see `AbstractFocusedSearch`.

    Random numbers: three draws per flip (clause, walk or greedy, candidate).
    """

    noise: float = 0.567
    name: ClassVar[str] = "walksat"
    n_bits: ClassVar[int] = 2

    def __check_init__(self):
        if not 0.0 <= self.noise <= 1.0:
            raise ValueError(f"`noise` must be in [0, 1], got {self.noise}.")

    def prepare(self, cnf: CNF) -> FocusedProblem:
        return FocusedProblem.from_network(HighOrderNetwork.from_cnf(cnf), np.zeros((1,)))

    def choose(self, problem: FocusedProblem, mask, brk, bits):
        big = jnp.iinfo(jnp.int32).max
        brk_m = jnp.where(mask, brk, big)
        best = brk_m == jnp.min(brk_m)
        freebie = jnp.min(brk_m) == 0
        random_walk = (~freebie) & (uniform_from_bits(bits[0]) < self.noise)
        weights = jnp.where(random_walk, mask, best & mask).astype(jnp.float32)
        return _sample_index(weights, uniform_from_bits(bits[1]))
