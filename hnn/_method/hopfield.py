"""The high-order Hopfield network with stochastic parallel updates and an annealed noise schedule."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Int

from .._cnf import CNF
from .._network import HighOrderNetwork
from .base import AbstractParallelHopfield, StepInfo, seed_lanes

__all__ = ["HighOrderHopfield", "TUNED_SCHEDULES", "hopfield_schedule"]

TUNED_SCHEDULES: dict[int, dict] = {
    150: {"q": 1.0, "t_start": 1.0, "t_end": 0.1, "anneal_steps": 2000},
    250: {"q": 1.0, "t_start": 1.0, "t_end": 0.1, "anneal_steps": 15_000},
}
"""The focused network's tuned schedule at the formula sizes `N` (variables) where it was tuned: the update
probability `q`, the temperature range `t_start -> t_end` and the annealing period `anneal_steps`.
`hopfield_schedule` reads it; `HighOrderHopfield` gives the tuning runs behind each entry."""


def hopfield_schedule(n_vars: int) -> dict:
    """The tuned schedule of the focused `HighOrderHopfield` for formulas of `n_vars` variables.

    At a size of `TUNED_SCHEDULES` it is that entry; between two tuned sizes every parameter is interpolated
    geometrically in `N` (`anneal_steps` rounded to an int), since the tuned period grows by a factor per added
    variable rather than by a fixed number of steps; outside the tuned range it is the nearest entry.

    **Arguments:**

    - `n_vars`: the number of variables of the formula, a positive int.

    **Returns:**

    A dict with `q`, `t_start`, `t_end` and `anneal_steps`.
    """
    if isinstance(n_vars, bool) or not isinstance(n_vars, (int, np.integer)) or n_vars < 1:
        raise ValueError(f"`n_vars` (variables of the formula) must be a positive int, got {n_vars!r}.")
    sizes = sorted(TUNED_SCHEDULES)
    lo = max((s for s in sizes if s <= n_vars), default=sizes[0])
    hi = min((s for s in sizes if s >= n_vars), default=sizes[-1])
    if lo == hi:
        return dict(TUNED_SCHEDULES[lo])
    frac = (n_vars - lo) / (hi - lo)
    a, b = TUNED_SCHEDULES[lo], TUNED_SCHEDULES[hi]
    out = {k: float(a[k] * (b[k] / a[k]) ** frac) for k in a}
    out["anneal_steps"] = int(round(out["anneal_steps"]))
    return out


class HopfieldState(NamedTuple):
    """The state of `HighOrderHopfield`.

    **Attributes:**

    - `x`: replica-minor assignments `(n_vars, replicas)`, 0/1 in the network's count dtype.
    - `lanes`: the per-neuron `xorshift32` states, same shape.
    """

    x: Int[Array, "n r"]
    lanes: Int[Array, "n r"]


class HighOrderHopfield(AbstractParallelHopfield):
    """Stochastic parallel dynamics of the high-order Hopfield network (Hizzani et al., ISCAS 2024).

    Every step, all neurons read their high-order local field at once: the forward pass counts each clause's true
    literals, the backward pass gives each variable's make and break counts, and `dE_v = break_v - make_v` is the
    energy change of flipping `v`. The neurons then take the annealed Glauber update of `AbstractParallelHopfield`
    (its arguments `q`, `t_start`, `t_end`, `anneal_steps` and their defaults, tuned for this network; the
    quadratized twin was tuned on the same grid, so the comparison between them is like for like).

    With `focused=True` only the neurons of unsatisfied clauses (those with `make_v > 0`) may update, as in the
    in-memory HNN of Bhattacharya et al. (Nat. Commun. 15, 8211, 2024), whose backward MVM drives only the
    variables of the clauses the forward MVM finds violated: the parallel analogue of focused local search.

    Measured on SATLIB (32 replicas per instance, median over instances of TTS99 in sweeps; `analogsim_lab`'s
    k-SAT benchmark): uf50 (8 instances) 2,451 focused (q = 0.4, T 1.5 -> 0.15) against 4,058 unfocused with the
    defaults (best unfocused of the grid q in {0.1, 0.4}, T in {1.5 -> 0.15, 0.8 -> 0.1}: 2,896); uf100 (5) 12,556
    against 20,220; uf150 (4) 18,421 against 33,917. probSAT on the same instances: 2,830, 6,767 and 31,943 flips.

    `HighOrderHopfield.tuned(n_vars)` is the focused network with the per-size schedule `hopfield_schedule`,
    tuned with `analogsim_lab.hopfield_tuning` (16 replicas per instance, median over instances of TTS99 in sweeps,
    on the *last* files of each SATLIB set, which the scaling measurement does not use):

    - uf150, 5 instances, 30,000-sweep runs, 33 settings (165 runs): the grid q in {0.2, 0.4, 0.7}, T in
      {1.0 -> 0.1, 1.5 -> 0.15, 2.5 -> 0.25}, period in {2000, 10000} (q = 0.4, T 1.5 -> 0.15, 2000: 9,076;
      q = 0.7, T 1.0 -> 0.1, 10000: 1,815), then q in {0.85, 1}, T in {0.5 -> 0.05, 0.7 -> 0.07, 1.0 -> 0.1}
      and the same periods: best q = 1, T 1.0 -> 0.1, period 2000 (884); then the `focus_clauses` variant at
      3 and 8 (3,825 at best: off).
    - uf250, 7 settings to the end (25 runs, 16 replicas): on the last 4 files, 40,000-sweep runs, T 1.5 -> 0.15
      and period 2000 with q = 0.4 799k, q = 0.7 153k; 60,000-sweep runs, q = 1, T 1.0 -> 0.1 with period 2000
      149k, 10000 92k; on the last 3 files, 40,000-sweep runs, q = 1, T 1.0 -> 0.1 with period 15000 32.9k,
      30000 38.5k, and T 1.0 -> 0.05 with period 30000 93k (three more settings were stopped part-way: q = 0.85
      with period 10000, q = 0.4 with T 1.0 -> 0.1, `focus_clauses = 8`). Best: period 15000 (q = 1,
      T 1.0 -> 0.1): the period must grow with `N` (a restart at `t_start` undoes the descent of a larger
      formula), while the update probability and the temperatures of uf150 carry over. Between the tuned sizes
      the period is interpolated, not tuned (uf200: 5,477).

    Measured with the tuned schedule (`analogsim_lab.hopfield_scaling`, the first 10 files of each SATLIB set, 16
    replicas, 100,000-sweep runs; median TTS99 over instances with 95 % bootstrap intervals): uf50 556 sweeps
    [377, 1,793], uf100 7,541 [1,378, 28,819], uf150 3,004 [1,892, 54,921], uf200 64,109 [11,169, 493,062] (every
    instance solved by some replica; one with too few successes for a TTS99), uf250 23,093 [3,878, 864,244];
    probSAT on the same instances 2,321, 8,385, 14,354, 177,337 and 83,091 flips. Fitted `log10 TTS99 = a + b N`:
    b = 0.0083 [0.0043, 0.0149] decades per variable in sweeps (0.0101 in variables flipped, 0.0117 in neuron
    updates) against probSAT's 0.0089 [0.0065, 0.0116] in flips. With 32 replicas and a 60 s timeout
    (`hnn.solve(..., timeout_s=60)`) it solved 10 of 10 instances each of uf150, uf200 and uf250 (slowest 17 s,
    compilation included).

    **Arguments:**

    - `q`, `t_start`, `t_end`, `anneal_steps`: see `AbstractParallelHopfield`.
    - `focused`: update only the variables of unsatisfied clauses.
    - `focus_clauses`: optional; with `U` unsatisfied clauses a replica's update probability is
      `q * min(1, focus_clauses / U)`, so a replica far from a solution changes about as many variables per
      sweep as one near it (None: `q` throughout).

    One step evaluates `n_vars` neuron updates per replica. Random numbers: `xorshift32` lanes per neuron, seeded
    from `init`'s key.
    """

    focused: bool = eqx.field(default=False, static=True)
    focus_clauses: float | None = None
    name: ClassVar[str] = "hopfield"
    replica_axis: ClassVar[int] = -1

    def __check_init__(self):
        if self.focus_clauses is not None and not self.focus_clauses > 0:
            raise ValueError(f"`focus_clauses` must be positive or None, got {self.focus_clauses}.")

    @classmethod
    def tuned(cls, n_vars: int, **overrides) -> HighOrderHopfield:
        """The focused network with the tuned schedule for `n_vars` variables (`hopfield_schedule`); keyword
        `overrides` replace any of its fields."""
        return cls(**{"focused": True, **hopfield_schedule(n_vars), **overrides})

    def prepare(self, cnf: CNF) -> HighOrderNetwork:
        return HighOrderNetwork.from_cnf(cnf)

    def init(self, problem: HighOrderNetwork, x0, *, key) -> HopfieldState:
        x = x0.T.astype(problem.count_dtype)
        return HopfieldState(x, seed_lanes(key, x.shape))

    def step(
        self, problem: HighOrderNetwork, state: HopfieldState, t, *, key
    ) -> tuple[HopfieldState, StepInfo]:
        del key  # the per-neuron lanes carry the randomness
        n_true = problem.forward(state.x)
        unsat = jnp.sum(n_true == 0, axis=0, dtype=jnp.int32)
        make, brk = problem.backward(state.x, n_true)
        d_e = brk.astype(jnp.float32) - make.astype(jnp.float32)
        eligible = make > 0 if self.focused else None
        q_scale = None
        if self.focus_clauses is not None:
            q_scale = jnp.minimum(1.0, self.focus_clauses / jnp.maximum(unsat, 1).astype(jnp.float32))
        x, lanes, flips = self.parallel_update(state.x, d_e, t, state.lanes, unsat, eligible, q_scale)
        return HopfieldState(x, lanes), StepInfo(satisfied=unsat == 0, unsat=unsat, flips=flips)

    def assignment(self, problem, state: HopfieldState):
        return state.x.T.astype(bool)

    def updates_per_step(self, problem: HighOrderNetwork, replicas: int) -> int:
        return problem.n_vars * replicas
