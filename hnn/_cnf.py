"""CNF formulas: a jit-friendly container and random k-SAT generators (the DIMACS reader and writer are in
`_dimacs.py`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Bool, Int

from analogsim.random import check_key

__all__ = ["CNF", "random_ksat", "planted_ksat"]

# Purpose constants folded into a user's key (`jr.fold_in(key, PURPOSE)`) so that each consumer of a key draws from
# its own stream: `planted_ksat(key)` and `hnn.solve(key=key)` with the same key never share random numbers (the
# solver's replicas would otherwise start on the planted solution).
RANDOM_KSAT_PURPOSE = 0x6B736174  # "ksat"
PLANTED_KSAT_PURPOSE = 0x706C6E74  # "plnt"


def normalize_clause(literals: Sequence[int]) -> tuple[list[int], list[int], bool]:
    """The one rule that turns a clause as written into the clause the solvers see (shared by the DIMACS reader and
    `CNF.from_clauses`).

    **Arguments:**

    - `literals`: the signed 1-based literals of one clause, in file order (non-zero ints).

    **Returns:**

    `(clause, repeated, tautology)`: the clause with repeated literals merged (first occurrences, in order), the
    repeated literals (one entry per extra occurrence), and whether the clause holds both `x` and `not x` (a
    tautology, always true; callers drop it).
    """
    seen: dict[int, None] = {}
    repeated = []
    for v in literals:
        if v in seen:
            repeated.append(v)
        seen[v] = None
    clause = list(seen)
    return clause, repeated, any(-v in seen for v in clause)


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


class CNF(eqx.Module):
    """A CNF formula as a padded integer array.

    `clauses[c]` holds the signed 1-based literals of clause `c` (DIMACS convention: `3` is x_3, `-3` is not x_3),
    padded with `0` on the right to the width of the widest clause. A row of zeros is the empty clause (always false).
    The number of variables is static, so a `CNF` can be passed through `jax.jit` and `jax.vmap` (over a batch of
    formulas with the same shape).

    **Arguments:**

    - `clauses`: `Int32[Array, "m k"]` signed literals, zero padded.
    - `n_vars`: the number of variables `N`; every literal must satisfy `1 <= |l| <= N`.
    """

    clauses: Int[Array, "m k"]
    n_vars: int = eqx.field(static=True)

    def __init__(self, clauses, n_vars: int):
        # Concrete clauses are checked on the host (numpy): checking them with jnp would compile a small program
        # per new shape, which is most of the start-up of a one-file `python -m hnn` run.
        clauses = np.asarray(clauses) if _is_concrete(clauses) else clauses
        if clauses.ndim == 1 and clauses.shape[0] == 0:
            clauses = clauses.reshape(0, 0)
        if clauses.ndim != 2:
            raise ValueError(f"`clauses` must be a 2-D (m, k) integer array, got shape {clauses.shape}.")
        if not jnp.issubdtype(clauses.dtype, jnp.integer):
            raise ValueError(f"`clauses` must hold integers (signed literals), got dtype {clauses.dtype}.")
        if not isinstance(n_vars, (int, np.integer)) or isinstance(n_vars, bool) or n_vars < 0:
            raise ValueError(f"`n_vars` must be a non-negative Python int, got {n_vars!r}.")
        self.n_vars = int(n_vars)
        if _is_concrete(clauses) and clauses.size:
            worst = int(np.max(np.abs(clauses.astype(np.int64))))
            if worst > self.n_vars:
                raise ValueError(
                    f"literal {worst} is out of range: the formula has n_vars={self.n_vars} variables "
                    f"(literals must satisfy 1 <= |l| <= {self.n_vars})."
                )
        self.clauses = jax.device_put(clauses.astype(np.int32)) if _is_concrete(clauses) else clauses.astype(jnp.int32)

    @classmethod
    def from_clauses(cls, clauses: Iterable[Sequence[int]], n_vars: int | None = None) -> CNF:
        """Builds a `CNF` from a list of clauses (lists of signed 1-based literals), padding with zeros.

        Each clause is normalized as the DIMACS reader does it (`normalize_clause`): repeated literals are merged
        and tautologies (`x` and `not x` in one clause) dropped, so that every row holds distinct variables and
        `make_break`/`flip_delta` are exact. An empty clause is kept (it makes the formula unsatisfiable).
        `n_vars` defaults to the largest variable index that occurs (dropped clauses included).
        """
        written = [[int(v) for v in c] for c in clauses]
        rows = []
        for i, row in enumerate(written):
            if any(v == 0 for v in row):
                raise ValueError(f"clause {i} contains the literal 0; literals are signed 1-based integers.")
            clause, _, tautology = normalize_clause(row)
            if not tautology:
                rows.append(clause)
        if n_vars is None:
            n_vars = max((abs(v) for row in written for v in row), default=0)
        width = max((len(r) for r in rows), default=0)
        arr = np.zeros((len(rows), width), np.int32)
        for i, row in enumerate(rows):
            arr[i, : len(row)] = row
        return cls(arr, n_vars)

    @property
    def n_clauses(self) -> int:
        """The number of clauses `m`."""
        return self.clauses.shape[0]

    @property
    def width(self) -> int:
        """The padded clause width `k` (the largest clause size)."""
        return self.clauses.shape[1]

    @property
    def sizes(self) -> Int[Array, " m"]:
        """The number of literals in each clause."""
        return jnp.sum(self.clauses != 0, axis=1, dtype=jnp.int32)

    @property
    def var_index(self) -> Int[Array, "m k"]:
        """0-based variable index of every literal slot (0 in padding slots; mask them with `literal_mask`)."""
        return jnp.maximum(jnp.abs(self.clauses) - 1, 0)

    @property
    def is_positive(self) -> Bool[Array, "m k"]:
        """Whether each literal slot holds a positive literal `x_i` (False for negated literals and padding)."""
        return self.clauses > 0

    @property
    def literal_mask(self) -> Bool[Array, "m k"]:
        """Whether each slot holds a literal (False in padding)."""
        return self.clauses != 0

    def to_lists(self) -> list[list[int]]:
        """The clauses as Python lists of signed literals (padding removed)."""
        arr = np.asarray(self.clauses)
        return [[int(v) for v in row if v != 0] for row in arr]


def _check_ksat_args(n_vars, n_clauses, k):
    for name, v in (("n_vars", n_vars), ("n_clauses", n_clauses), ("k", k)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise ValueError(f"`{name}` must be a Python int, got {v!r}.")
    if k < 1:
        raise ValueError(f"`k` must be at least 1, got {k}.")
    if n_vars < k:
        raise ValueError(f"`n_vars` must be at least k={k} (clauses use k distinct variables), got {n_vars}.")
    if n_clauses < 0:
        raise ValueError(f"`n_clauses` must be non-negative, got {n_clauses}.")


def _distinct_vars(key, n_vars, n_clauses, k):
    """`k` distinct variables per clause, uniformly: the indices of the `k` largest of `n_vars` i.i.d. uniforms."""
    u = jr.uniform(key, (n_clauses, n_vars))
    return jax.lax.top_k(u, k)[1].astype(jnp.int32)


def random_ksat(key, n_vars: int, n_clauses: int, k: int, *, planted: bool = False) -> CNF:
    """Uniform random k-SAT (the model of the SATLIB `uf` sets, Mitchell, Selman & Levesque, AAAI 1992): each clause
    has `k` distinct variables chosen uniformly, each negated with probability 1/2. The hard region for 3-SAT is
    near `n_clauses / n_vars = 4.26` (Crawford & Auton, AIJ 1996).

    **Arguments:**

    - `key`: PRNG key (`jax.random`); equal keys give equal formulas.
    - `n_vars`, `n_clauses`, `k`: the numbers of variables, clauses and literals per clause (`k <= n_vars`).
    - `planted`: if True the formula is satisfiable by construction (`planted_ksat`'s formula).

    **Returns:**

    The formula, a `CNF` of shape `(n_clauses, k)`.
    """
    if key is None:
        raise ValueError("`random_ksat` is stochastic: pass a `key`.")
    check_key(key)
    if planted:
        return planted_ksat(key, n_vars, n_clauses, k)[0]
    _check_ksat_args(n_vars, n_clauses, k)
    var_key, sign_key = jr.split(jr.fold_in(key, RANDOM_KSAT_PURPOSE))
    var = _distinct_vars(var_key, n_vars, n_clauses, k)
    neg = jr.bernoulli(sign_key, 0.5, (n_clauses, k))
    lits = jnp.where(neg, -(var + 1), var + 1)
    return CNF(lits, n_vars)


def planted_ksat(key, n_vars: int, n_clauses: int, k: int) -> tuple[CNF, Bool[Array, " n"]]:
    """Random k-SAT with a planted solution: draws a hidden assignment, then for each clause `k` distinct variables
    and a sign pattern uniform over the `2^k - 1` patterns that the hidden assignment satisfies.

    **Arguments:**

    - `key`: PRNG key (`jax.random`); equal keys give equal formulas. The key is folded with a purpose constant
      of its own, so `hnn.solve(cnf, key=key)` with the same key draws independent starting assignments.
    - `n_vars`, `n_clauses`, `k`: the numbers of variables, clauses and literals per clause (`k <= n_vars`).

    **Returns:**

    `(cnf, hidden)`: the formula and the `(n_vars,)` boolean assignment that satisfies it.
    """
    if key is None:
        raise ValueError("`planted_ksat` is stochastic: pass a `key`.")
    check_key(key)
    _check_ksat_args(n_vars, n_clauses, k)
    hidden_key, var_key, pattern_key = jr.split(jr.fold_in(key, PLANTED_KSAT_PURPOSE), 3)
    hidden = jr.bernoulli(hidden_key, 0.5, (n_vars,))
    var = _distinct_vars(var_key, n_vars, n_clauses, k)
    pattern = jr.randint(pattern_key, (n_clauses,), 1, 2**k)  # bit j set: literal j is true under `hidden`
    true_under_hidden = ((pattern[:, None] >> jnp.arange(k)) & 1).astype(bool)
    positive = true_under_hidden == hidden[var]
    lits = jnp.where(positive, var + 1, -(var + 1))
    return CNF(lits, n_vars), hidden
