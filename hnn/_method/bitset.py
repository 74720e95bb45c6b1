"""The bitset engine of focused search.

Per replica, each clause's true-literal count is kept bit-sliced over 32-clause words (`planes`: bit `i` of every
clause's count, `ceil(log2(k + 1))` planes of `ceil(m / 32)` words), and per literal the set of clauses it occurs in
as a bitset. A flip is then a few passes of word operations over `m / 32` words: the unsatisfied clauses are
`~(plane_0 | plane_1 | ...)`, a variable's break count is the population count of "clauses with exactly one true
literal" AND "clauses where this variable's literal is true", and the flip itself is a bit-sliced increment over
the clauses its new literal occurs in and a decrement over those of its old one. On a CPU these are dense,
branch-free vector operations, where the lists engine's indexed gathers and scatters run one element at a time
(`analogsim_lab.flips_bench` measures both side by side). Its cost and its memory grow with `m` where the lists
engine's do not, so `engine="auto"` takes it up to the size `BITSET_MAX_BYTES` sets.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int

from .._network import HighOrderNetwork, _round_up

__all__ = ["BITSET_MAX_BYTES", "BitsetProblem", "BitsetState", "bitset_init_one", "bitset_flip", "count_unsat"]

BITSET_MAX_BYTES = 2**26
"""The largest table of literal sets (`BitsetProblem.literal_sets`: `8 (n_vars + 1)` bytes per 32-clause word, 64 MiB
here: random 3-SAT at ratio 4.2 up to about 7,800 variables) for which `engine="auto"` takes the bitset engine; larger
formulas take the lists engine. The bitset engine's flip costs O(clauses / 32) word operations, the lists engine's
O(occurrences): on random 3-SAT at ratio 4.2 the bitset engine flipped faster at every size measured, from 6x at
250 variables to 2x at 12,000 (256 replicas on one CPU device, 4 flips per step)."""


class BitsetState(NamedTuple):
    """The state of the bitset engine, replica-major (first axis: replicas).

    **Attributes:**

    - `x`: the assignments `(replicas, n_vars + 1)`, booleans; the last column is a sink that stays False (the
      variable of a clause's empty literal slots).
    - `planes`: the clauses' true-literal counts bit-sliced: `planes[i][r, w]` holds bit `i` of the counts of
      clauses `32 w .. 32 w + 31` (bit `b` of the word: clause `32 w + b`), uint32.
    - `n_unsat`: the number of unsatisfied clauses.
    - `lanes`: the replica's random generator state (see `lists.next_bits`).
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


def count_unsat(problem: BitsetProblem, planes) -> Array:
    """The number of unsatisfied (count 0, real) clauses of one replica."""
    any_true = functools.reduce(jnp.bitwise_or, planes)
    return jnp.sum(jax.lax.population_count(problem.valid & ~any_true), dtype=jnp.int32)


def bitset_init_one(problem: BitsetProblem, x, lane) -> BitsetState:
    """The bit-sliced counts of one replica at assignment `x` `(n_vars,)`."""
    x1 = jnp.concatenate([x, jnp.zeros((1,), bool)])
    lit = x1[problem.var] ^ problem.negated  # empty slots read the sink variable: False, not negated
    n_true = jnp.sum(lit, axis=1, dtype=jnp.int32)
    planes = tuple(_pack((n_true >> i) & 1 == 1, problem.words) for i in range(problem.n_planes))
    return BitsetState(x1, planes, count_unsat(problem, planes), lane)


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


def bitset_flip(problem: BitsetProblem, s: BitsetState, b0, bits, choose) -> tuple[BitsetState, Array]:
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
