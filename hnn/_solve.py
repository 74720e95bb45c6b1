"""`hnn.solve`: run a k-SAT dynamics over a batch of replicas until one satisfies the formula."""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Bool, Int

from analogsim.random import check_key

from . import _method, _program_cache
from ._cnf import CNF
from ._devices import broadcast_from_first, gather, replica_mesh, shard_carry
from ._energy import energy, verify
from ._method import AbstractMethod

__all__ = ["RESULTS", "Solution", "solve", "METHODS", "get_method"]

SOLVE_PURPOSE = 0x736F6C76  # "solv": folded into `solve`'s key, apart from the generators' purposes in `_cnf.py`

METHODS = ("probsat", "walksat", "hopfield", "qubo", "qubo_sa", "analog", "cadical")
"""Names accepted by `solve(method=...)`. `"cadical"` is python-sat's CaDiCaL, the exact digital baseline."""


class RESULTS(eqx.Enumeration):
    """How `hnn.solve` ended (`Solution.status`), an `eqx.Enumeration` like lineax's `RESULTS`:

    - `satisfied`: a satisfying assignment was found and verified against the CNF with plain NumPy.
    - `budget_exhausted`: the step budget (`max_steps`) or the wall-clock budget (`timeout_s`) ran out before any
      replica satisfied the formula (for a stochastic method this proves nothing about satisfiability).
    - `unsatisfiable`: no assignment satisfies the formula: CaDiCaL proved it (`method="cadical"`), or the formula
      holds an empty clause (any method).

    Compare items with `==` (`sol.status == hnn.RESULTS.satisfied`); `hnn.RESULTS[item]` is the item's message.
    """

    satisfied = "a satisfying assignment was found and verified"
    budget_exhausted = "the step or time budget ran out before a replica satisfied the formula"
    unsatisfiable = "the formula was proved unsatisfiable (by CaDiCaL, or it holds an empty clause)"


def get_method(method: str | AbstractMethod) -> AbstractMethod | str:
    """The method object for a name in `METHODS` (or the object itself); `"cadical"` stays a string."""
    if isinstance(method, AbstractMethod):
        return method
    table = {"probsat": _method.ProbSAT, "walksat": _method.WalkSAT, "hopfield": _method.HighOrderHopfield,
             "qubo": _method.QuadratizedHopfield, "qubo_sa": _method.QuboAnnealing, "analog": _method.AnalogHopfield}
    if method == "cadical":
        return method
    if method not in table:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS} or an `hnn.AbstractMethod`.")
    return table[method]()


class Solution(eqx.Module):
    """The result of `hnn.solve`.

    **Attributes:**

    - `assignment`: `(n_vars,)` booleans: a satisfying assignment when `status` is `RESULTS.satisfied` (verified
      against the CNF), else the replica assignment with the fewest unsatisfied clauses seen last (None for
      CaDiCaL and for a formula with an empty clause).
    - `status`: how the search ended, an `hnn.RESULTS` item: `satisfied`, `budget_exhausted` (steps or time ran
      out) or `unsatisfiable` (CaDiCaL's proof, or an empty clause).
    - `method`: the method name.
    - `steps`: loop iterations run (parallel sweeps for the Hopfield methods, flips per replica for focused search).
    - `flips`: variables flipped, summed over replicas.
    - `variable_updates`: neuron update evaluations, summed over replicas (`steps * replicas * neurons` for the
      parallel methods, `steps * replicas` for focused search).
    - `wall_time_s`: wall-clock time in seconds, including compilation on a first call.
    - `replica_hit_step`: per replica, the 1-based step at which it first satisfied the formula, -1 if never.
    - `replica_flips`: per replica, the flips until then or until the end.
    - `replica_unsat`: per replica, the unsatisfied clauses at its last evaluated state.
    """

    assignment: Bool[np.ndarray, " n"] | None
    status: RESULTS
    method: str = eqx.field(static=True)
    steps: int = eqx.field(static=True)
    flips: int = eqx.field(static=True)
    variable_updates: int = eqx.field(static=True)
    wall_time_s: float = eqx.field(static=True)
    replica_hit_step: Int[np.ndarray, " r"] | None
    replica_flips: Int[np.ndarray, " r"] | None
    replica_unsat: Int[np.ndarray, " r"] | None

    @property
    def satisfied(self) -> bool:
        """Whether `status` is `RESULTS.satisfied`."""
        # by message: `==` on enumeration items is a JAX op, which compiles a program the first time
        return RESULTS[self.status] == RESULTS[RESULTS.satisfied]


class _Carry(NamedTuple):
    t: Int[Array, ""]
    state: Any
    hit_step: Int[Array, " r"]
    flips: Int[Array, " r"]
    unsat: Int[Array, " r"]
    key: Array


@eqx.filter_jit
def _init_carry(method: AbstractMethod, problem, key, replicas: int, n_vars: int) -> _Carry:
    x_key, init_key, loop_key = jr.split(jr.fold_in(key, SOLVE_PURPOSE), 3)  # compiled in: no eager op at start-up
    x0 = jr.bernoulli(x_key, 0.5, (replicas, n_vars))
    state = method.init(problem, x0, key=init_key)
    r = jnp.full((replicas,), -1, jnp.int32)
    zeros = jnp.zeros((replicas,), jnp.int32)
    return _Carry(jnp.asarray(0, jnp.int32), state, r, zeros, zeros - 1, loop_key)


@eqx.filter_jit
def _advance(method: AbstractMethod, problem, carry: _Carry, step_limit: Array, stop_all: bool):
    """Runs `method.step` under `lax.while_loop` until `step_limit` or until any (or, with `stop_all`, every)
    replica has satisfied the formula; returns the new carry and every replica's assignment at its end (in the same
    program: one compiled program fewer to build or load at start-up)."""

    def done(hit):
        solved = hit >= 0
        return jnp.all(solved) if stop_all else jnp.any(solved)

    def cond(c: _Carry):
        return (c.t < step_limit) & ~done(c.hit_step)

    def body(c: _Carry) -> _Carry:
        state, info = method.step(problem, c.state, c.t, key=jr.fold_in(c.key, c.t))
        hit = jnp.where((c.hit_step < 0) & info.satisfied, c.t + 1, c.hit_step)
        return _Carry(c.t + 1, state, hit, c.flips + info.flips, info.unsat, c.key)

    carry = jax.lax.while_loop(cond, body, carry)
    return carry, method.assignment(problem, carry.state)


def _check_solve_args(replicas, max_steps, timeout_s, stop):
    if not isinstance(replicas, int) or replicas < 1:
        raise ValueError(f"`replicas` must be a positive int, got {replicas!r}.")
    if not isinstance(max_steps, int) or max_steps < 0:
        raise ValueError(f"`max_steps` must be a non-negative int, got {max_steps!r}.")
    if max_steps >= 2**31 - 1:
        raise ValueError(f"`max_steps` must be below 2**31 - 1, got {max_steps}.")
    if timeout_s is not None and not timeout_s > 0:
        raise ValueError(f"`timeout_s` must be positive or None, got {timeout_s!r}.")
    if stop not in ("any", "all"):
        raise ValueError(f"`stop` must be 'any' (first solved replica) or 'all', got {stop!r}.")


def solve(
    cnf: CNF,
    *,
    key: Array | None = None,
    method: str | AbstractMethod = "probsat",
    replicas: int = 64,
    max_steps: int = 100_000,
    timeout_s: float | None = None,
    stop: str = "any",
    chunk_steps: int | None = None,
    devices=None,
    program_cache: str | os.PathLike | None = None,
) -> Solution:
    """Searches for a satisfying assignment of `cnf`.

    **Arguments:**

    - `cnf`: the formula, an `hnn.CNF`.
    - `key`: PRNG key (required except for `method="cadical"`); equal keys give equal results.
    - `method`: one of `hnn.METHODS` or an `hnn.AbstractMethod` instance: `"probsat"` (default, the best
      high-order-network method), `"walksat"`, `"hopfield"` (parallel annealed high-order network), `"qubo"`
      (the same dynamics on the Rosenberg QUBO), `"qubo_sa"` (simulated annealing on that QUBO), `"analog"` (the high-order network on PCM crossbars through
      `analogsim`, default hardware; pass an `hnn.AnalogHopfield(config=..., key=...)` to choose it) or
      `"cadical"` (python-sat's CaDiCaL, the only method that can prove unsatisfiability).
    - `replicas`: independent runs advanced together in one batch.
    - `max_steps`: the step budget (sweeps or flips per replica).
    - `timeout_s`: an optional wall-clock budget in seconds, checked between chunks of steps.
    - `chunk_steps`: the steps compiled into one chunk between checks (default: the whole budget without a
      timeout, else adapted to about 0.25 s per chunk).
    - `stop`: `"any"` stops when one replica is solved; `"all"` runs until every replica is solved or the budget
      is spent (for time-to-solution statistics).
    - `devices`: the devices the replicas are sharded over with `jax.sharding` (one SPMD program; the stop test
      is an all-reduce). Default: every local device that divides `replicas` evenly. After
      `analogsim.distributed.initialize`, `jax.devices()` spans all processes: each calls `solve` alike, runs
      its share of the replicas and gets the whole `Solution`. The same key gives the same replicas, steps and
      assignment on one device, many devices or many processes.
    - `program_cache`: a directory where the compiled search programs are kept as serialised executables, so
      that a later process loads them instead of tracing and compiling them (the command line passes its cache
      directory); None: off. Same key, same result with or without it.

    **Returns:**

    A `Solution`. Every assignment is verified against the clauses with plain NumPy before `RESULTS.satisfied` is
    reported. Two kinds of formula are decided without running the dynamics (0 steps): one without clauses (e.g.
    `p cnf 3 0`) is satisfied by every assignment (`RESULTS.satisfied`, the all-false assignment, every replica
    solved at step 0); one holding an empty clause is satisfied by none (`RESULTS.unsatisfiable`, assignment
    None, no replica solved).

    The key is folded with a purpose constant of its own (`jr.fold_in`), so `hnn.planted_ksat(key)` and
    `solve(..., key=key)` with the same key draw independent numbers: no replica starts on the planted solution.
    """
    if not isinstance(cnf, CNF):
        raise ValueError(f"`cnf` must be an `hnn.CNF`, got {type(cnf).__name__}.")
    _check_solve_args(replicas, max_steps, timeout_s, stop)
    m = get_method(method)
    if m == "cadical":
        return _solve_cadical(cnf, timeout_s)
    if key is None:
        raise ValueError("`solve` with a stochastic method needs a `key` (e.g. jax.random.key(0)).")
    check_key(key)
    if (trivial := _trivial_solution(cnf, m, replicas)) is not None:
        return trivial
    start = time.perf_counter()
    mesh = replica_mesh(devices, replicas)
    problem = m.prepare(cnf)
    run = functools.partial(_program_cache.call, program_cache)  # run(f, *args) is f(*args), cached or not
    carry = run(_init_carry, m, problem, key, replicas, cnf.n_vars)
    if mesh is not None:
        carry = shard_carry(carry, mesh, m.replica_axis)
    deadline = None if timeout_s is None else start + timeout_s
    carry, assignments = _run_chunks(run, m, problem, carry, max_steps, deadline, stop == "all", chunk_steps)
    wall = time.perf_counter() - start
    return _solution(cnf, m, problem, carry, gather(assignments), replicas, wall)


def _run_chunks(run, m, problem, carry: _Carry, max_steps: int, deadline, stop_all: bool, chunk_steps):
    """Advances `carry` in chunks of compiled steps (each called through `run`) until the stop rule, the step budget
    or the `deadline` (`time.perf_counter()` value, or None) is reached; without `chunk_steps` chunks aim at about
    0.25 s. Returns the last carry and the replicas' assignments."""
    chunk = chunk_steps if chunk_steps is not None else (max_steps if deadline is None else 256)
    t = int(gather(carry.t))
    while True:
        t0, t_before = time.perf_counter(), t
        limit = min(t_before + max(int(chunk), 1), max_steps)
        carry, assignments = run(_advance, m, problem, carry, jax.device_put(np.int32(limit)), stop_all)
        hit = gather(carry.hit_step)
        t = int(gather(carry.t))
        finished = hit.min() >= 0 if stop_all else hit.max() >= 0
        if finished or t >= max_steps:
            return carry, assignments
        if deadline is not None:
            now = time.perf_counter()
            if chunk_steps is None:  # aim at ~0.25 s chunks, never far past the deadline
                per_step = (now - t0) / max(t - t_before, 1)
                chunk = int(np.clip(min(0.25, deadline - now) / max(per_step, 1e-9), 16, 1 << 20))
            decision = broadcast_from_first(np.asarray([now >= deadline, chunk], np.int32))  # process 0's clock
            if decision[0]:
                return carry, assignments
            chunk = int(decision[1])


def _solution(
    cnf: CNF, m: AbstractMethod, problem, carry: _Carry, assignments: np.ndarray, replicas: int, wall: float
) -> Solution:
    """The `Solution` of a finished run: the earliest-solved replica's assignment, verified with NumPy, or the
    assignment with the fewest unsatisfied clauses."""
    hit = gather(carry.hit_step)
    t = int(gather(carry.t))
    unsat = gather(carry.unsat)
    solved = np.flatnonzero(hit >= 0)
    status = RESULTS.budget_exhausted
    if solved.size:
        best = int(solved[np.argmin(hit[solved])])
        assignment = assignments[best]
        if not verify(cnf, assignment):
            raise RuntimeError(
                f"internal error: method {m.name!r} flagged replica {best} as satisfied but its assignment fails "
                "verification against the CNF."
            )
        status = RESULTS.satisfied
    else:
        assignment = assignments[int(np.argmin(unsat))]
    flips = gather(carry.flips)
    return Solution(
        assignment=assignment,
        status=status,
        method=m.name,
        steps=t,
        flips=int(flips.sum()),
        variable_updates=t * m.updates_per_step(problem, replicas),
        wall_time_s=wall,
        replica_hit_step=hit,
        replica_flips=flips,
        replica_unsat=unsat,
    )


def _trivial_solution(cnf: CNF, m: AbstractMethod, replicas: int) -> Solution | None:
    """The `Solution` of a formula decided without search, or None: without clauses every assignment satisfies
    it (every replica at step 0); with an empty clause none does (an empty clause is always false)."""
    if cnf.n_clauses and np.all(np.count_nonzero(np.asarray(cnf.clauses), axis=1)):  # numpy: nothing to compile
        return None
    satisfied = cnf.n_clauses == 0
    zeros = np.zeros((replicas,), np.int32)
    return Solution(
        assignment=np.zeros((cnf.n_vars,), bool) if satisfied else None,
        status=RESULTS.satisfied if satisfied else RESULTS.unsatisfiable,
        method=m.name,
        steps=0,
        flips=0,
        variable_updates=0,
        wall_time_s=0.0,
        replica_hit_step=zeros if satisfied else zeros - 1,
        replica_flips=zeros,
        replica_unsat=zeros if satisfied else zeros + int(energy(cnf, np.zeros((cnf.n_vars,), bool))),
    )


def _solve_cadical(cnf: CNF, timeout_s: float | None) -> Solution:
    """python-sat's CaDiCaL 1.9.5 (Biere et al., SAT Competition 2024 system descriptions)."""
    try:
        from pysat.solvers import Solver
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("method='cadical' needs python-sat: pip install python-sat") from e
    start = time.perf_counter()
    clauses = cnf.to_lists()
    if any(len(c) == 0 for c in clauses):
        result, model = False, None
    else:
        with Solver(name="cadical195", bootstrap_with=clauses) as s:
            timer = None
            if timeout_s is not None:
                timer = threading.Timer(timeout_s, s.interrupt)
                timer.start()
            try:
                result = s.solve_limited(expect_interrupt=timeout_s is not None)
            finally:
                if timer is not None:
                    timer.cancel()
            model = s.get_model() if result else None
    wall = time.perf_counter() - start
    assignment = None
    if result:
        assignment = np.zeros(cnf.n_vars, bool)
        for lit in model:
            if abs(lit) <= cnf.n_vars:
                assignment[abs(lit) - 1] = lit > 0
        if not verify(cnf, assignment):
            raise RuntimeError("internal error: CaDiCaL's model fails verification against the CNF.")
        status = RESULTS.satisfied
    elif result is False:
        status = RESULTS.unsatisfiable
    else:
        status = RESULTS.budget_exhausted
    return Solution(
        assignment=assignment,
        status=status,
        method="cadical",
        steps=0,
        flips=0,
        variable_updates=0,
        wall_time_s=wall,
        replica_hit_step=None,
        replica_flips=None,
        replica_unsat=None,
    )
