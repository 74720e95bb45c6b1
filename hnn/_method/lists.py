"""The lists engine of focused search: per replica, the bookkeeping of probSAT's reference C code (A. Balint,
`probSAT.c`, version SC13, github.com/adrianopolus/probSAT):

- the true-literal count of every clause, and the sum of the indices of its true variables (so a clause with one
  true literal names its critical variable without a scan);
- the break count of every variable, updated after a flip only for the clauses that contain the flipped variable
  (its occurrence list);
- the list of unsatisfied clauses with each clause's position in it: a clause is picked in O(1), removed by moving
  the list's tail into its place and appended when it becomes unsatisfied.

A flip therefore costs O(occurrences of the flipped variable), not O(clauses).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._network import HighOrderNetwork
from .base import hash32, xorshift32

__all__ = ["FocusedProblem", "FocusedState", "init_one", "flip_one", "next_bits"]

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


def init_one(problem: FocusedProblem, x, lane) -> FocusedState:
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


def flip_one(problem: FocusedProblem, s: FocusedState, v, active) -> FocusedState:
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
