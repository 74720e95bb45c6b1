"""Focused local search (WalkSAT/SKC and probSAT) on the high-order network's clause states.

Both pick an unsatisfied clause uniformly at random and flip one of its variables, chosen from the variables' break
counts (a variable breaks a clause iff it is that clause's only true literal: the product of the other literals'
falsities in the energy gradient is 1, see `hnn.energy`). Two engines keep the bookkeeping, per replica:

- `"lists"` (`lists.py`): probSAT's reference C code's occurrence lists, break counts and list of unsatisfied
  clauses; a flip costs O(occurrences of the flipped variable);
- `"bitset"` (`bitset.py`): true-literal counts bit-sliced over 32-clause words; a flip costs O(clauses / 32) dense
  word operations, several times faster on a CPU for the formulas it takes (`analogsim_lab.flips_bench`).

Both engines pick a uniformly random unsatisfied clause and choose among its variables with the same rule from the
same random bits; they differ in *which* clause a given random number picks (the engines order the unsatisfied
clauses differently: the lists engine by its list, the bitset engine by clause index), so the two random streams
differ while the search is the same algorithm. Replicas are batched with `jax.vmap`; `flips_per_step` flips of
every replica run inside one step (unrolled) to amortise the loop and stop-test overhead of `hnn.solve`'s compiled
loop.
"""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from .._cnf import CNF
from .._network import HighOrderNetwork
from .base import AbstractMethod, StepInfo, seed_lanes, uniform_from_bits
from .bitset import BITSET_MAX_BYTES, BitsetProblem, BitsetState, bitset_flip, bitset_init_one, count_unsat
from .lists import FocusedProblem, FocusedState, flip_one, init_one, next_bits

__all__ = ["ProbSAT", "WalkSAT", "probsat_parameters", "BITSET_MAX_BYTES", "ENGINES"]

ENGINES = ("auto", "lists", "bitset")
"""The bookkeeping engines of focused search (`AbstractFocusedSearch.engine`)."""


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
            except ValueError:  # a clause repeats a variable (only the lists engine counts it twice), or 2**24 clauses
                pass
        return FocusedProblem.from_network(net, break_weights)

    def init(self, problem: FocusedProblem | BitsetProblem, x0, *, key) -> FocusedState | BitsetState:
        lanes = seed_lanes(key, (x0.shape[0],))
        one = bitset_init_one if isinstance(problem, BitsetProblem) else init_one
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
            return bitset_flip(problem, s, b0, jnp.stack(bits), self.choose)
        net = problem.network
        c = s.unsat[b0 % jnp.maximum(s.n_unsat, 1).astype(jnp.uint32)]
        vs, mask = net.var[c], net.mask[c]
        j = self.choose(problem, mask, s.breaks[vs], jnp.stack(bits))
        active = (s.n_unsat > 0) & mask[j]
        return flip_one(problem, s, vs[j], active), active

    def step(self, problem: FocusedProblem, state: FocusedState, t, *, key) -> tuple[FocusedState, StepInfo]:
        del t, key  # the per-replica lanes carry the randomness

        def one(s: FocusedState):
            n = jnp.zeros((), jnp.int32)
            for _ in range(self.flips_per_step):
                s, active = self._flip(problem, s)
                n = n + active
            if isinstance(problem, BitsetProblem):
                s = s._replace(n_unsat=count_unsat(problem, s.planes))
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
