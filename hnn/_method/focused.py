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

A flip therefore costs O(occurrences of the flipped variable), not O(clauses). This is the `"lists"` engine.

The `"bitset"` engine keeps, per replica, each clause's true-literal count bit-sliced over 32-clause words (`planes`:
bit `i` of every clause's count, `ceil(log2(k + 1))` planes of `ceil(m / 32)` words), and per literal the set of
clauses it occurs in as a bitset. A flip is then a few passes of word operations over `m / 32` words: the
unsatisfied clauses are `~(plane_0 | plane_1 | ...)`, a variable's break count is the population count of "clauses
with exactly one true literal" AND "clauses where this variable's literal is true", and the flip itself is a
bit-sliced increment over the clauses its new literal occurs in and a decrement over those of its old one. On a CPU
these are dense, branch-free vector operations, where the lists engine's indexed gathers and scatters run one
element at a time: on uf250 the bitset engine flips several times faster (`analogsim_lab.flips_bench`). Its cost
and its memory grow with `m` where the lists engine's do not, so `engine="auto"` takes it up to the size
`BITSET_MAX_BYTES` sets.

Both engines pick a uniformly random unsatisfied clause and choose among its variables with the same rule from the
same random bits; they differ in *which* clause a given random number picks (the engines order the unsatisfied
clauses differently: the lists engine by its list, the bitset engine by clause index), so the two random streams
differ while the search is the same algorithm. Replicas are batched with `jax.vmap`; `flips_per_step` flips of
every replica run inside one step (unrolled) to amortise the loop and stop-test overhead of `hnn.solve`'s compiled
loop.
"""

from __future__ import annotations

import abc
import functools
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._cnf import CNF
from .._network import HighOrderNetwork, _round_up
from .base import AbstractMethod, StepInfo, hash32, seed_lanes, uniform_from_bits, xorshift32

__all__ = ["ProbSAT", "WalkSAT", "probsat_parameters", "BITSET_MAX_BYTES"]

ENGINES = ("auto", "lists", "bitset")

BITSET_MAX_BYTES = 2**26
"""The largest table of literal sets (`BitsetProblem.literal_sets`: `8 (n_vars + 1)` bytes per 32-clause word, 64 MiB
here: random 3-SAT at ratio 4.2 up to about 7,800 variables) for which `engine="auto"` takes the bitset engine; larger
formulas take the lists engine. The bitset engine's flip costs O(clauses / 32) word operations, the lists engine's
O(occurrences): on random 3-SAT at ratio 4.2 the bitset engine flipped faster at every size measured, from 6x at
250 variables to 2x at 12,000 (256 replicas, one CPU core each; `engine` in `hnn.ProbSAT`)."""


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


class BitsetState(NamedTuple):
    """The state of the bitset engine, replica-major (first axis: replicas).

    **Attributes:**

    - `x`: the assignments `(replicas, n_vars + 1)`, booleans; the last column is a sink that stays False (the
      variable of a clause's empty literal slots).
    - `planes`: the clauses' true-literal counts bit-sliced: `planes[i][r, w]` holds bit `i` of the counts of
      clauses `32 w .. 32 w + 31` (bit `b` of the word: clause `32 w + b`), uint32.
    - `n_unsat`: the number of unsatisfied clauses.
    - `lanes`: the replica's random generator state (see `next_bits`).
    """

    x: Bool[Array, "r n1"]
    planes: tuple[Array, ...]
    n_unsat: Int[Array, " r"]
    lanes: Int[Array, " r"]


class BitsetProblem(eqx.Module):
    """A formula prepared for the bitset engine of focused search.

    **Arguments:**

    - `var`: per clause slot, the 0-based variable (`n_vars` in an empty slot and in padding clauses), `(m, k)`.
    - `negated`: per clause slot, whether its literal is negated.
    - `literal_sets`: `literal_sets[v, b, w]`: the clauses of word `w` in which variable `v`'s literal is true when
      `v` has the value `b` (its negative occurrences for `b = 0`, positive for `b = 1`), uint32 `(n_vars + 1, 2,
      words)`; row `n_vars` is empty.
    - `valid`: per word, the bits of real (not padding) clauses.
    - `break_weights`: probSAT's weight of a candidate with break count `b`, at index `b` (unused by WalkSAT).
    - `n_vars`, `width`: the formula's variables and clause width.
    """

    var: Int[Array, "m k"]
    negated: Bool[Array, "m k"]
    literal_sets: Int[Array, "n1 2 w"]
    valid: Int[Array, " w"]
    break_weights: Float[Array, " b"]
    n_vars: int = eqx.field(static=True)
    width: int = eqx.field(static=True)

    @property
    def words(self) -> int:
        """32-clause words of the padded clause axis."""
        return self.valid.shape[0]

    @property
    def n_planes(self) -> int:
        """Bits of a clause's true-literal count (0 .. width)."""
        return max(int(self.width).bit_length(), 1)

    @classmethod
    def from_network(cls, net: HighOrderNetwork, break_weights) -> BitsetProblem:
        """The bitset arrays of `net`; raises `ValueError` if a clause holds a variable twice (a bitset holds one
        occurrence per clause; `hnn.CNF.from_clauses` and the DIMACS reader merge repeated literals)."""
        var = np.asarray(net.var)
        mask = np.asarray(net.mask)
        negated = np.asarray(net.negated)
        n, (m, k) = net.n_vars, var.shape
        v_sorted = np.sort(np.where(mask, var, -1 - np.arange(k)), axis=1)
        if k > 1 and np.any(v_sorted[:, 1:] == v_sorted[:, :-1]):
            raise ValueError(
                "a clause holds the same variable twice; the bitset engine needs distinct variables per clause "
                "(build the formula with `hnn.CNF.from_clauses`, which merges repeated literals, or use "
                "engine='lists')."
            )
        if m >= 2**24:
            raise ValueError(f"the bitset engine counts clauses in float32: at most 2**24 clauses, got {m}.")
        words = -(-m // 32)
        # whole 8-word vectors (XLA's CPU loops then run without a remainder); whole blocks for a two-level pick
        words = _round_up(words, 8 if words <= _PICK_BLOCK * 2 else _PICK_BLOCK)
        sets = np.zeros((n + 1, 2, words), np.uint32)
        cs, js = np.nonzero(mask)
        bit = (np.uint32(1) << (cs % 32).astype(np.uint32)).astype(np.uint32)
        np.bitwise_or.at(sets, (var[cs, js], (~negated[cs, js]).astype(np.int64), cs // 32), bit)
        real = np.zeros(words * 32, bool)
        real[:m] = ~np.asarray(net.padding)
        valid = np.bitwise_or.reduce(
            real.reshape(words, 32).astype(np.uint32) << np.arange(32, dtype=np.uint32), axis=1
        ).astype(np.uint32)
        return cls(
            jax.device_put(np.where(mask, var, n).astype(np.int32)),
            jax.device_put(negated & mask),
            jax.device_put(sets),
            jax.device_put(valid),
            jax.device_put(np.asarray(break_weights, np.float32)),
            n,
            k,
        )


_PICK_BLOCK = 32
"""Words per block of the bitset engine's two-level pick of an unsatisfied clause."""


def _pack(bits: Bool[Array, " c"], words: int) -> Array:
    """Booleans per clause packed into uint32 words (clause `c` at bit `c % 32` of word `c // 32`)."""
    padded = jnp.zeros((words * 32,), jnp.uint32).at[: bits.shape[0]].set(bits.astype(jnp.uint32))
    return jnp.sum(padded.reshape(words, 32) << jnp.arange(32, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)


def _count_unsat(problem: BitsetProblem, planes) -> Array:
    """The number of unsatisfied (count 0, real) clauses of one replica."""
    any_true = functools.reduce(jnp.bitwise_or, planes)
    return jnp.sum(jax.lax.population_count(problem.valid & ~any_true), dtype=jnp.int32)


def _bitset_init_one(problem: BitsetProblem, x, lane) -> BitsetState:
    """The bit-sliced counts of one replica at assignment `x` `(n_vars,)`."""
    x1 = jnp.concatenate([x, jnp.zeros((1,), bool)])
    lit = x1[problem.var] ^ problem.negated  # empty slots read the sink variable: False, not negated
    n_true = jnp.sum(lit, axis=1, dtype=jnp.int32)
    planes = tuple(_pack((n_true >> i) & 1 == 1, problem.words) for i in range(problem.n_planes))
    return BitsetState(x1, planes, _count_unsat(problem, planes), lane)


def _select_bit(word, rank):
    """The position of the set bit of rank `rank` (0-based, from the lowest bit) in uint32 `word`: a binary search
    over population counts of the word's halves."""
    pos = jnp.zeros_like(rank)
    for width in (16, 8, 4, 2, 1):
        low = jax.lax.population_count(word & jnp.uint32((1 << width) - 1)).astype(jnp.int32)
        up = rank >= low
        rank = jnp.where(up, rank - low, rank)
        pos = jnp.where(up, pos + width, pos)
        word = jnp.where(up, word >> width, word)
    return pos


def _locate(counts, rank):
    """For float32 `counts` (one axis) and a rank below their sum: the index `i` whose cumulative range holds `rank`
    and the sum of `counts[:i]`. The prefix sums are a product with a triangular matrix: float32 is exact for these
    integers, and XLA's CPU matrix product is much faster than its scan."""
    w = counts.shape[0]
    prefix = counts @ jnp.triu(jnp.ones((w, w), jnp.float32))
    before = (prefix <= rank).astype(jnp.float32)  # entries wholly before the rank
    i = jnp.minimum((before @ jnp.ones((w,), jnp.float32)).astype(jnp.int32), w - 1)
    return i, jnp.where(i > 0, prefix[jnp.maximum(i - 1, 0)], 0.0)


def _pick_unsat(problem: BitsetProblem, planes, b0):
    """The unsatisfied clause of rank `b0 % n_unsat` in index order (uniform over them for uniform `b0`), and
    `n_unsat`. Up to `2 * _PICK_BLOCK` words the word is located in one prefix sum over the words; beyond, in two
    (over blocks of `_PICK_BLOCK` words, then within the block), so the pick costs O(words), not O(words**2)."""
    any_true = functools.reduce(jnp.bitwise_or, planes)
    unsat = problem.valid & ~any_true
    counts = jax.lax.population_count(unsat).astype(jnp.float32)
    w = problem.words
    if w <= 2 * _PICK_BLOCK:
        total = jnp.sum(counts)
        rank = (b0 % jnp.maximum(total, 1).astype(jnp.uint32)).astype(jnp.float32)
        wi, skipped = _locate(counts, rank)
    else:
        blocks = counts.reshape(w // _PICK_BLOCK, _PICK_BLOCK)
        block_counts = blocks @ jnp.ones((_PICK_BLOCK,), jnp.float32)
        total = jnp.sum(block_counts)
        rank = (b0 % jnp.maximum(total, 1).astype(jnp.uint32)).astype(jnp.float32)
        bi, before_block = _locate(block_counts, rank)
        wj, within = _locate(blocks[bi], rank - before_block)
        wi, skipped = bi * _PICK_BLOCK + wj, before_block + within
    total = total.astype(jnp.int32)
    return wi * 32 + _select_bit(unsat[wi], rank.astype(jnp.int32) - skipped.astype(jnp.int32)), total


def _bitset_flip(problem: BitsetProblem, s: BitsetState, b0, bits, choose) -> tuple[BitsetState, Array]:
    """One flip of one replica on the bitset engine (nothing once satisfied)."""
    n = problem.n_vars
    c, total = _pick_unsat(problem, s.planes, b0)
    vs = problem.var[c]
    mask = vs < n
    xv = s.x[vs]
    true_sets = problem.literal_sets[vs, xv.astype(jnp.int32)]  # (k, words): clauses each candidate keeps true
    one = s.planes[0]
    for plane in s.planes[1:]:
        one = one & ~plane
    brk = (jax.lax.population_count(true_sets & one).astype(jnp.float32) @ jnp.ones((problem.words,), jnp.float32))
    j = choose(problem, mask, brk.astype(jnp.int32), bits)
    active = (total > 0) & mask[j]
    v = vs[j]
    dec = jnp.where(active, true_sets[j], jnp.uint32(0))
    inc = jnp.where(active, problem.literal_sets[v, 1 - xv[j].astype(jnp.int32)], jnp.uint32(0))
    planes, carry, borrow = [], inc, dec  # bit-sliced +1 on `inc`, -1 on `dec` (disjoint sets)
    for plane in s.planes:
        planes.append(plane ^ (carry | borrow))
        carry, borrow = plane & carry, ~plane & borrow
    x = s.x.at[v].set(xv[j] ^ active)
    return s._replace(x=x, planes=tuple(planes)), active


def _sample_index(weights, u):
    """Index `j` with probability `weights[j] / sum(weights)` (inverse-CDF with one uniform `u`). The few
    candidates' prefix sums are unrolled: XLA:CPU runs `cumsum` as a window reduction, several times slower here."""
    prefix = [weights[0]]
    for i in range(1, weights.shape[0]):
        prefix.append(prefix[-1] + weights[i])
    cdf = jnp.stack(prefix)
    j = jnp.argmax(cdf > u * cdf[-1])
    return jnp.minimum(j, weights.shape[0] - 1)


class AbstractFocusedSearch(AbstractMethod):
    """Focused local search: every flip, each replica picks a uniformly random unsatisfied clause and flips one of
    its variables, chosen by `choose` from the candidates' break counts.

    **Arguments:**

    - `flips_per_step`: flips of every replica per step of `hnn.solve` (unrolled in one compiled step; a replica
      stops flipping as soon as it is satisfied, so `Solution.replica_flips` counts its flips exactly, while
      `replica_hit_step` counts steps of `flips_per_step` flips).
    - `engine`: the bookkeeping (see the module docstring): `"lists"` (occurrence lists and an unsatisfied-clause
      list, O(occurrences) per flip), `"bitset"` (bit-sliced clause counts, O(clauses / 32) word operations per
      flip, much faster on a CPU for small and medium formulas), or `"auto"`: the bitset engine where its table of
      literal sets fits in `BITSET_MAX_BYTES` and every clause holds distinct variables, else the lists engine. The
      engines run the same algorithm with different random streams (which clause a random number picks).

    Random numbers: one `xorshift32` lane per replica, seeded from `init`'s key and scrambled by `hash32`;
    `1 + n_bits` draws per flip (one to pick the clause, `n_bits` for `choose`). A step is a pure function of the
    state, so equal keys give equal runs.
    """

    n_bits: eqx.AbstractClassVar[int]
    flips_per_step: int = eqx.field(default=1, static=True)
    engine: str = eqx.field(default="auto", static=True)
    replica_axis: ClassVar[int] = 0

    def __check_init__(self):
        if not isinstance(self.flips_per_step, int) or self.flips_per_step < 1:
            raise ValueError(f"`flips_per_step` must be a positive int, got {self.flips_per_step!r}.")
        if self.engine not in ENGINES:
            raise ValueError(f"`engine` must be one of {ENGINES}, got {self.engine!r}.")

    def _problem(self, net: HighOrderNetwork, break_weights) -> FocusedProblem | BitsetProblem:
        """The prepared formula for this method's engine."""
        if self.engine == "lists":
            return FocusedProblem.from_network(net, break_weights)
        if self.engine == "bitset":
            return BitsetProblem.from_network(net, break_weights)
        if 8 * (net.n_vars + 1) * -(-net.n_clauses // 32) <= BITSET_MAX_BYTES:
            try:
                return BitsetProblem.from_network(net, break_weights)
            except ValueError:  # a clause with a repeated variable: only the lists engine counts it twice
                pass
        return FocusedProblem.from_network(net, break_weights)

    def init(self, problem: FocusedProblem | BitsetProblem, x0, *, key) -> FocusedState | BitsetState:
        lanes = seed_lanes(key, (x0.shape[0],))
        one = _bitset_init_one if isinstance(problem, BitsetProblem) else _init_one
        return jax.vmap(one, in_axes=(None, 0, 0))(problem, x0.astype(bool), lanes)

    def assignment(self, problem, state: FocusedState | BitsetState):
        return state.x[:, : problem.n_vars] if isinstance(state, BitsetState) else state.x

    def updates_per_step(self, problem, replicas: int) -> int:
        return replicas * self.flips_per_step

    @abc.abstractmethod
    def choose(self, problem: FocusedProblem, mask, brk, bits) -> Array:
        """Index of the clause position to flip, from the candidate mask and break counts; `bits` (uint32, shape
        `(n_bits,)`) are this replica's random bits beyond the one used to pick the clause."""

    def _flip(self, problem, s):
        """One flip of one replica: pick a clause, choose a variable, flip it (nothing once satisfied)."""
        lanes, b0 = next_bits(s.lanes)
        bits = []
        for _ in range(self.n_bits):
            lanes, b = next_bits(lanes)
            bits.append(b)
        s = s._replace(lanes=lanes)
        if isinstance(problem, BitsetProblem):
            return _bitset_flip(problem, s, b0, jnp.stack(bits), self.choose)
        net = problem.network
        c = s.unsat[b0 % jnp.maximum(s.n_unsat, 1).astype(jnp.uint32)]
        vs, mask = net.var[c], net.mask[c]
        j = self.choose(problem, mask, s.breaks[vs], jnp.stack(bits))
        active = (s.n_unsat > 0) & mask[j]
        return _flip_one(problem, s, vs[j], active), active

    def step(self, problem: FocusedProblem, state: FocusedState, t, *, key) -> tuple[FocusedState, StepInfo]:
        del t, key  # the per-replica lanes carry the randomness

        def one(s: FocusedState):
            n = jnp.zeros((), jnp.int32)
            for _ in range(self.flips_per_step):
                s, active = self._flip(problem, s)
                n = n + active
            if isinstance(problem, BitsetProblem):
                s = s._replace(n_unsat=_count_unsat(problem, s.planes))
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

    def prepare(self, cnf: CNF) -> FocusedProblem | BitsetProblem:
        net = HighOrderNetwork.from_cnf(cnf)
        rule, cb = self.resolved(cnf.width)
        b = np.arange(net.max_occurrences + 1, dtype=np.float64)
        w = (self.eps + b) ** -cb if rule == "poly" else cb**-b
        return self._problem(net, w)

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

    def prepare(self, cnf: CNF) -> FocusedProblem | BitsetProblem:
        return self._problem(HighOrderNetwork.from_cnf(cnf), np.zeros((1,)))

    def choose(self, problem: FocusedProblem, mask, brk, bits):
        big = jnp.iinfo(jnp.int32).max
        brk_m = jnp.where(mask, brk, big)
        best = brk_m == jnp.min(brk_m)
        freebie = jnp.min(brk_m) == 0
        random_walk = (~freebie) & (uniform_from_bits(bits[0]) < self.noise)
        weights = jnp.where(random_walk, mask, best & mask).astype(jnp.float32)
        return _sample_index(weights, uniform_from_bits(bits[1]))
