"""CNF formulas: a jit-friendly container, the DIMACS reader/writer and random k-SAT generators.

The DIMACS CNF format follows the description used by the DIMACS implementation challenge and the SATLIB benchmark
library (Hoos & Stuetzle, "SATLIB: An online resource for research on SAT", SAT 2000): comment lines start with `c`,
one header line `p cnf <variables> <clauses>`, then clauses as whitespace-separated signed 1-based literals, each
clause terminated by `0` (a clause may span lines, several may share a line). SATLIB's uniform random files end with a
`%` line followed by a stray `0`; reading stops at `%`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Bool, Int

from analogsim import io as _io

__all__ = [
    "CNF",
    "DimacsError",
    "DimacsReport",
    "parse_dimacs",
    "read_dimacs",
    "read_dimacs_report",
    "write_dimacs",
    "random_ksat",
    "planted_ksat",
]


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
        clauses = jnp.asarray(clauses)
        if clauses.ndim == 1 and clauses.shape[0] == 0:
            clauses = clauses.reshape(0, 0)
        if clauses.ndim != 2:
            raise ValueError(f"`clauses` must be a 2-D (m, k) integer array, got shape {clauses.shape}.")
        if not jnp.issubdtype(clauses.dtype, jnp.integer):
            raise ValueError(f"`clauses` must hold integers (signed literals), got dtype {clauses.dtype}.")
        if not isinstance(n_vars, (int, np.integer)) or isinstance(n_vars, bool) or n_vars < 0:
            raise ValueError(f"`n_vars` must be a non-negative Python int, got {n_vars!r}.")
        self.clauses = clauses.astype(jnp.int32)
        self.n_vars = int(n_vars)
        if _is_concrete(self.clauses) and self.clauses.size:
            worst = int(jnp.max(jnp.abs(self.clauses)))
            if worst > self.n_vars:
                raise ValueError(
                    f"literal {worst} is out of range: the formula has n_vars={self.n_vars} variables "
                    f"(literals must satisfy 1 <= |l| <= {self.n_vars})."
                )

    @classmethod
    def from_clauses(cls, clauses: Iterable[Sequence[int]], n_vars: int | None = None) -> CNF:
        """Builds a `CNF` from a list of clauses (lists of signed 1-based literals), padding with zeros.

        `n_vars` defaults to the largest variable index that occurs.
        """
        rows = [[int(v) for v in c] for c in clauses]
        for i, row in enumerate(rows):
            if any(v == 0 for v in row):
                raise ValueError(f"clause {i} contains the literal 0; literals are signed 1-based integers.")
        width = max((len(r) for r in rows), default=0)
        arr = np.zeros((len(rows), width), np.int32)
        for i, row in enumerate(rows):
            arr[i, : len(row)] = row
        if n_vars is None:
            n_vars = int(np.abs(arr).max()) if arr.size else 0
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


class DimacsError(ValueError):
    """A malformed DIMACS CNF file. `line` is the 1-based line number of the problem (None if not tied to a line)."""

    def __init__(self, message: str, *, source: str, line: int | None):
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclasses.dataclass(frozen=True)
class DimacsReport:
    """What the DIMACS reader changed or noticed while reading a file.

    - `merged_duplicates`: `(line, literal)` for each repeated literal merged inside a clause (line of the clause's
      terminating 0).
    - `dropped_tautologies`: line (of the terminating 0) of each clause holding both `x` and `not x`; such clauses
      are always true and are dropped.
    - `empty_clauses`: line of each empty clause (kept: it makes the formula unsatisfiable).
    - `declared_clauses`: the clause count in the `p cnf` header (before tautologies were dropped).
    - `comments`: the text of the comment lines, without the leading `c`.
    """

    source: str
    n_vars: int
    declared_clauses: int
    merged_duplicates: tuple[tuple[int, int], ...] = ()
    dropped_tautologies: tuple[int, ...] = ()
    empty_clauses: tuple[int, ...] = ()
    comments: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """True when nothing was merged or dropped."""
        return not (self.merged_duplicates or self.dropped_tautologies)


def parse_dimacs(text: str, *, source: str = "<string>") -> tuple[CNF, DimacsReport]:
    """Parses DIMACS CNF text. Returns the formula and a `DimacsReport`; raises `DimacsError` (a `ValueError`)
    naming the line on malformed input: a missing or duplicate `p cnf` header, a clause before the header, a
    variable index out of range, a non-integer token, a missing terminating 0 or a clause count that differs from
    the header's."""
    n_vars = n_declared = None
    header_line = None
    clauses: list[list[int]] = []
    current: list[int] = []
    current_start = None
    merged: list[tuple[int, int]] = []
    tautologies: list[int] = []
    empties: list[int] = []
    comments: list[str] = []
    read_clauses = 0
    last_line = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        last_line = lineno
        line = raw.strip()
        if not line:
            continue
        if line.startswith("c"):
            comments.append(line[1:].strip())
            continue
        if line.startswith("%"):
            break
        if line.startswith("p"):
            if header_line is not None:
                raise DimacsError(
                    f"duplicate 'p cnf' header (the first one is on line {header_line})",
                    source=source,
                    line=lineno,
                )
            tokens = line.split()
            if len(tokens) != 4 or tokens[0] != "p" or tokens[1] != "cnf":
                raise DimacsError(
                    f"malformed header {line!r}; expected 'p cnf <variables> <clauses>'",
                    source=source,
                    line=lineno,
                )
            try:
                n_vars, n_declared = int(tokens[2]), int(tokens[3])
            except ValueError:
                raise DimacsError(
                    f"non-integer count in header {line!r}; expected 'p cnf <variables> <clauses>'",
                    source=source,
                    line=lineno,
                ) from None
            if n_vars < 0 or n_declared < 0:
                raise DimacsError(f"negative count in header {line!r}", source=source, line=lineno)
            header_line = lineno
            continue
        for token in line.split():
            try:
                lit = int(token)
            except ValueError:
                raise DimacsError(f"non-integer token {token!r}", source=source, line=lineno) from None
            if header_line is None:
                raise DimacsError(
                    "clause data before the 'p cnf' header (missing header)", source=source, line=lineno
                )
            if lit == 0:
                read_clauses += 1
                seen: dict[int, None] = {}
                for v in current:
                    if v in seen:
                        merged.append((lineno, v))
                    seen[v] = None
                lits = list(seen)
                if any(-v in seen for v in lits):
                    tautologies.append(lineno)
                else:
                    if not lits:
                        empties.append(lineno)
                    clauses.append(lits)
                current = []
                current_start = None
                continue
            if abs(lit) > n_vars:
                raise DimacsError(
                    f"variable {abs(lit)} out of range: the header declares {n_vars} variables",
                    source=source,
                    line=lineno,
                )
            if current_start is None:
                current_start = lineno
            current.append(lit)
    if header_line is None:
        raise DimacsError(
            "missing 'p cnf <variables> <clauses>' header", source=source, line=max(last_line, 1)
        )
    if current:
        raise DimacsError(
            f"clause starting on line {current_start} has no terminating 0", source=source, line=current_start
        )
    if read_clauses != n_declared:
        raise DimacsError(
            f"the header declares {n_declared} clauses but {read_clauses} were read",
            source=source,
            line=header_line,
        )
    cnf = CNF.from_clauses(clauses, n_vars=n_vars)
    report = DimacsReport(
        source=source,
        n_vars=n_vars,
        declared_clauses=n_declared,
        merged_duplicates=tuple(merged),
        dropped_tautologies=tuple(tautologies),
        empty_clauses=tuple(empties),
        comments=tuple(comments),
    )
    return cnf, report


def read_dimacs_report(path: str | os.PathLike) -> tuple[CNF, DimacsReport]:
    """Reads a DIMACS CNF file; returns the formula and the `DimacsReport` of merged/dropped clauses."""
    with open(path, encoding="ascii", errors="replace") as f:
        text = f.read()
    return parse_dimacs(text, source=os.fspath(path))


def read_dimacs(path: str | os.PathLike) -> CNF:
    """Reads a DIMACS CNF file (see `parse_dimacs` for the accepted format and the errors raised).

    Duplicate literals inside a clause are merged and tautological clauses dropped silently; use
    `read_dimacs_report` to see what was changed.
    """
    return read_dimacs_report(path)[0]


def write_dimacs(cnf: CNF, path: str | os.PathLike, *, comments: Sequence[str] = ()) -> None:
    """Writes `cnf` as a DIMACS CNF file, atomically: the text goes to a temporary file in the same directory that
    then replaces `path` (`os.replace`), so readers never see a half-written file."""
    path = os.fspath(path)
    lines = [f"c {c}".rstrip() for c in comments]
    lines.append(f"p cnf {cnf.n_vars} {cnf.n_clauses}")
    lines.extend(" ".join([*map(str, row), "0"]) for row in cnf.to_lists())
    _io.write_text(path, "\n".join(lines) + "\n")


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
    # k distinct variables per clause, uniformly: the k largest of n_vars i.i.d. uniforms.
    u = jr.uniform(key, (n_clauses, n_vars))
    return jax.lax.top_k(u, k)[1].astype(jnp.int32)


def random_ksat(key, n_vars: int, n_clauses: int, k: int, *, planted: bool = False) -> CNF:
    """Uniform random k-SAT (the model of the SATLIB `uf` sets, Mitchell, Selman & Levesque, AAAI 1992): each clause
    has `k` distinct variables chosen uniformly, each negated with probability 1/2. With `planted=True` the formula
    is satisfiable by construction (see `planted_ksat`). The hard region for 3-SAT is near `n_clauses / n_vars =
    4.26` (Crawford & Auton, AIJ 1996)."""
    if key is None:
        raise ValueError("`random_ksat` is stochastic: pass a `key`.")
    if planted:
        return planted_ksat(key, n_vars, n_clauses, k)[0]
    _check_ksat_args(n_vars, n_clauses, k)
    var_key, sign_key = jr.split(key)
    var = _distinct_vars(var_key, n_vars, n_clauses, k)
    neg = jr.bernoulli(sign_key, 0.5, (n_clauses, k))
    lits = jnp.where(neg, -(var + 1), var + 1)
    return CNF(lits, n_vars)


def planted_ksat(key, n_vars: int, n_clauses: int, k: int) -> tuple[CNF, Bool[Array, " n"]]:
    """Random k-SAT with a planted solution: draws a hidden assignment, then for each clause `k` distinct variables
    and a sign pattern uniform over the `2^k - 1` patterns that the hidden assignment satisfies. Returns the formula
    and the hidden assignment."""
    if key is None:
        raise ValueError("`planted_ksat` is stochastic: pass a `key`.")
    _check_ksat_args(n_vars, n_clauses, k)
    hidden_key, var_key, pattern_key = jr.split(key, 3)
    hidden = jr.bernoulli(hidden_key, 0.5, (n_vars,))
    var = _distinct_vars(var_key, n_vars, n_clauses, k)
    pattern = jr.randint(pattern_key, (n_clauses,), 1, 2**k)  # bit j set: literal j is true under `hidden`
    true_under_hidden = ((pattern[:, None] >> jnp.arange(k)) & 1).astype(bool)
    positive = true_under_hidden == hidden[var]
    lits = jnp.where(positive, var + 1, -(var + 1))
    return CNF(lits, n_vars), hidden
