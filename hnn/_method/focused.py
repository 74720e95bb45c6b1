"""Focused local search (WalkSAT/SKC and probSAT) driven by the high-order network's make/break counts.

Both pick an unsatisfied clause uniformly at random and flip one of its variables; the break counts come from the
network's clause states (a variable breaks a clause iff it is that clause's only true literal, i.e. the product of
the other literals' falsities in the energy gradient is 1). Clause true-literal counts are updated incrementally
after each flip, as HPE's later hardware does with the in-memory network (Hizzani et al., ISCAS 2024).
"""

from __future__ import annotations

import abc
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, Int

from .._cnf import CNF
from .._network import HighOrderNetwork
from .base import AbstractMethod, StepInfo, uniform_from_bits

__all__ = ["ProbSAT", "WalkSAT"]


class FocusedState(NamedTuple):
    """The state of a focused search.

    **Attributes:**

    - `x`: replica-major assignments `(replicas, n_vars)`, booleans.
    - `n_true`: the true-literal count of every clause, plus a dummy clause at index `m`.
    - `n_unsat`: the number of unsatisfied clauses of each replica.
    """

    x: Int[Array, "r n"]
    n_true: Int[Array, "r m1"]
    n_unsat: Int[Array, " r"]


class FocusedProblem(eqx.Module):
    """A formula prepared for focused search.

    **Arguments:**

    - `network`: the clause network of the formula.
    - `break_weights`: probSAT's weight of a candidate with break count `b`, at index `b` (unused by WalkSAT).
    """

    network: HighOrderNetwork
    break_weights: Float[Array, " b"]


def _init_state(net: HighOrderNetwork, x0) -> FocusedState:
    """The state of assignments `x0` `(replicas, n_vars)`: clause counts from the network's forward pass."""
    xn = x0.T.astype(jnp.int32)
    n_true = net.forward(xn).astype(jnp.int32).T  # (r, m)
    dummy = jnp.full((x0.shape[0], 1), 1 << 20, jnp.int32)
    n_unsat = jnp.sum(n_true == 0, axis=1, dtype=jnp.int32)
    return FocusedState(x0.astype(bool), jnp.concatenate([n_true, dummy], axis=1), n_unsat)


def _pick_clause(net: HighOrderNetwork, n_true, n_unsat, bits):
    """A uniformly random unsatisfied clause (the `r`-th one in index order, `r` uniform)."""
    unsat = n_true[: net.n_clauses] == 0
    r = bits % jnp.maximum(n_unsat, 1).astype(jnp.uint32)
    return jnp.argmax(jnp.cumsum(unsat, dtype=jnp.int32) > r.astype(jnp.int32))


def _candidate_breaks(net: HighOrderNetwork, x, n_true, c):
    """The variables of clause `c`, the mask of its literal slots and each variable's break count."""
    vs = net.var[c]  # (k,)
    occ = net.occ_clause[vs]  # (k, d)
    lit_true = x[vs][:, None] == net.occ_positive[vs]
    brk = jnp.sum((n_true[occ] == 1) & lit_true & net.occ_valid[vs], axis=1, dtype=jnp.int32)
    return vs, net.mask[c], brk


def _flip(net: HighOrderNetwork, state_x, n_true, n_unsat, v, active):
    """Flips variable `v` if `active`, updating the clause counts and the unsatisfied count incrementally."""
    new_val = ~state_x[v]
    occ = net.occ_clause[v]
    valid = net.occ_valid[v] & active
    gets_true = net.occ_positive[v] == new_val
    delta = jnp.where(valid, jnp.where(gets_true, 1, -1), 0)
    old = n_true[occ]
    newly_unsat = jnp.sum((old == 1) & (delta < 0), dtype=jnp.int32)
    newly_sat = jnp.sum((old == 0) & (delta > 0), dtype=jnp.int32)
    n_true = n_true.at[occ].add(delta)
    x = state_x.at[v].set(jnp.where(active, new_val, state_x[v]))
    return x, n_true, n_unsat + newly_unsat - newly_sat


def _sample_index(weights, u):
    """Index `j` with probability `weights[j] / sum(weights)` (inverse-CDF with one uniform `u`)."""
    cdf = jnp.cumsum(weights)
    j = jnp.argmax(cdf > u * cdf[-1])
    return jnp.minimum(j, weights.shape[0] - 1)


class AbstractFocusedSearch(AbstractMethod):
    """Focused local search: every step, each replica picks a random unsatisfied clause and flips one of its
    variables, chosen by `choose` from the candidates' break counts (from the high-order network).

    Random numbers: `1 + n_bits` uint32 per replica per step from `jax.random` with the step's key
    (`jr.fold_in(run_key, t)`), one to pick the clause and `n_bits` for `choose`.
    """

    replica_axis: ClassVar[int] = 0

    def init(self, problem: FocusedProblem, x0, *, key) -> FocusedState:
        del key
        return _init_state(problem.network, x0)

    def assignment(self, problem, state: FocusedState):
        return state.x

    def updates_per_step(self, problem, replicas: int) -> int:
        return replicas

    @abc.abstractmethod
    def choose(self, problem: FocusedProblem, mask, brk, bits) -> Array:
        """Index of the clause position to flip, from the candidate mask and break counts; `bits` (uint32, shape
        `(n_bits,)`) are this replica's random bits beyond the one used to pick the clause."""

    n_bits: eqx.AbstractClassVar[int]

    def step(self, problem: FocusedProblem, state: FocusedState, t, *, key) -> tuple[FocusedState, StepInfo]:
        net = problem.network
        bits = jr.bits(key, (state.x.shape[0], 1 + self.n_bits), jnp.uint32)

        def one(x, n_true, n_unsat, b):
            c = _pick_clause(net, n_true, n_unsat, b[0])
            vs, mask, brk = _candidate_breaks(net, x, n_true, c)
            j = self.choose(problem, mask, brk, b[1:])
            active = (n_unsat > 0) & mask[j]
            return (*_flip(net, x, n_true, n_unsat, vs[j], active), active)

        x, n_true, n_unsat, flipped = jax.vmap(one)(state.x, state.n_true, state.n_unsat, bits)
        info = StepInfo(satisfied=n_unsat == 0, unsat=state.n_unsat, flips=flipped.astype(jnp.int32))
        return FocusedState(x, n_true, n_unsat), info


class ProbSAT(AbstractFocusedSearch):
    """probSAT (Balint & Schoening, SAT 2012): in a random unsatisfied clause, flip variable `v` with probability
    proportional to `f(break_v)`, `f(b) = (eps + b)^-cb` (polynomial rule) or `cb^-b` (exponential rule).

    `rule="auto"` picks the rule and constants of probSAT's reference implementation from the largest clause size
    `k`: polynomial with `cb = 2.06`, `eps = 0.9` for `k <= 3`; exponential with `cb = 3.0, 3.7, 5.1, 5.4` for
    `k = 4, 5, 6, >= 7`. Pass `cb` (and `rule`) to override. One step flips one variable per replica.

    **Arguments:**

    - `rule`: `"auto"`, `"poly"` or `"exp"`.
    - `cb`: the rule's base (None: the reference implementation's for the clause size).
    - `eps`: the polynomial rule's offset.

    Random numbers: two uint32 per replica per step from `jax.random` (clause, candidate).
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
        """The rule and `cb` used for clause size `k`."""
        rule = self.rule
        if rule == "auto":
            rule = "poly" if k <= 3 else "exp"
        cb = self.cb
        if cb is None:
            if rule == "poly":
                cb = 2.06
            else:
                cb = {1: 2.5, 2: 2.5, 3: 2.5, 4: 3.0, 5: 3.7, 6: 5.1}.get(k, 5.4)
        return rule, cb

    def prepare(self, cnf: CNF) -> FocusedProblem:
        net = HighOrderNetwork.from_cnf(cnf)
        rule, cb = self.resolved(cnf.width)
        b = np.arange(net.max_occurrences + 1, dtype=np.float64)
        w = (self.eps + b) ** -cb if rule == "poly" else cb**-b
        return FocusedProblem(net, jnp.asarray(w, jnp.float32))

    def choose(self, problem: FocusedProblem, mask, brk, bits):
        w = jnp.where(mask, problem.break_weights[brk], 0.0)
        return _sample_index(w, uniform_from_bits(bits[0]))


class WalkSAT(AbstractFocusedSearch):
    """WalkSAT with the SKC rule (Selman, Kautz & Cohen, AAAI 1994): in a random unsatisfied clause, flip a variable
    with break 0 if there is one (a "freebie"); otherwise, with probability `noise`, a random variable of the clause,
    else one with the fewest breaks (ties broken at random). `noise = 0.567` is the optimum reported for uniform
    random 3-SAT (Hoos, AAAI 2002 / Kroc et al., SAT 2010). One step flips one variable per replica.

    **Arguments:**

    - `noise`: the random-walk probability, in [0, 1].

    Random numbers: three uint32 per replica per step from `jax.random` (clause, walk or greedy, candidate).
    """

    noise: float = 0.567
    name: ClassVar[str] = "walksat"
    n_bits: ClassVar[int] = 2

    def __check_init__(self):
        if not 0.0 <= self.noise <= 1.0:
            raise ValueError(f"`noise` must be in [0, 1], got {self.noise}.")

    def prepare(self, cnf: CNF) -> FocusedProblem:
        return FocusedProblem(HighOrderNetwork.from_cnf(cnf), jnp.zeros((1,), jnp.float32))

    def choose(self, problem: FocusedProblem, mask, brk, bits):
        big = jnp.iinfo(jnp.int32).max
        brk_m = jnp.where(mask, brk, big)
        best = brk_m == jnp.min(brk_m)
        freebie = jnp.min(brk_m) == 0
        random_walk = (~freebie) & (uniform_from_bits(bits[0]) < self.noise)
        weights = jnp.where(random_walk, mask, best & mask).astype(jnp.float32)
        return _sample_index(weights, uniform_from_bits(bits[1]))
