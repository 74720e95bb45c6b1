"""The DIMACS CNF reader and writer.

The DIMACS CNF format follows the description used by the DIMACS implementation challenge and the SATLIB benchmark
library (Hoos & Stuetzle, "SATLIB: An online resource for research on SAT", SAT 2000): comment lines start with `c`,
one header line `p cnf <variables> <clauses>`, then clauses as whitespace-separated signed 1-based literals, each
clause terminated by `0` (a clause may span lines, several may share a line). SATLIB's uniform random files end with a
`%` line followed by a stray `0`; reading stops at `%`.

Lines end at `\n`, `\r\n` or `\r` (what a text editor counts; other Unicode line separators are whitespace
inside a line). A count or literal is an optional `-` and ASCII digits; variable indices and counts must fit in a
signed 32-bit integer (the formula is stored as `int32`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence

from analogsim import io as _io

from ._cnf import CNF, normalize_clause

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_INDEX = 2**31 - 1  # the largest variable index and count an int32 formula holds

__all__ = ["DimacsError", "DimacsReport", "parse_dimacs", "read_dimacs", "read_dimacs_report", "write_dimacs"]


class DimacsError(ValueError):
    """A malformed DIMACS CNF file.

    **Attributes:**

    - `source`: the file (or the name given to `parse_dimacs`).
    - `line`: the 1-based line number of the problem (None if not tied to a line).
    """

    def __init__(self, message: str, *, source: str, line: int | None):
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclasses.dataclass(frozen=True)
class DimacsReport:
    """What the DIMACS reader changed or noticed while reading a file.

    **Attributes:**

    - `source`: the file (or the name given to `parse_dimacs`).
    - `n_vars`: the variable count in the `p cnf` header.
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
    """Parses DIMACS CNF text.

    **Arguments:**

    - `text`: the file's contents.
    - `source`: the name that error messages and the report give the text (a path, or `"<string>"`).

    **Returns:**

    The formula and a `DimacsReport`. Raises `DimacsError` (a `ValueError`) naming the line on malformed input: a
    missing or duplicate `p cnf` header, a clause before the header, a variable index out of range, a non-integer
    token, a missing terminating 0 or a clause count that differs from the header's.
    """
    parser = _DimacsParser(source)
    last_line = 0
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the break that ends the last line starts no new one
    for lineno, raw in enumerate(lines, start=1):
        last_line = lineno
        line = raw.strip()
        if not line:
            continue
        if line.startswith("c"):
            parser.comments.append(line[1:].strip())
        elif line.startswith("%"):
            break
        elif line.startswith("p"):
            parser.header(line, lineno)
        else:
            for token in line.split():
                parser.token(token, lineno)
    return parser.finish(last_line)


class _DimacsParser:
    """The state of `parse_dimacs` between lines: the header, the clause being read and what was noticed."""

    def __init__(self, source: str):
        self.source = source
        self.n_vars = self.n_declared = self.header_line = None
        self.clauses: list[list[int]] = []
        self.current: list[int] = []
        self.current_start = None
        self.merged: list[tuple[int, int]] = []
        self.tautologies: list[int] = []
        self.empties: list[int] = []
        self.comments: list[str] = []
        self.read_clauses = 0

    def error(self, message: str, line: int | None) -> DimacsError:
        return DimacsError(message, source=self.source, line=line)

    def header(self, line: str, lineno: int) -> None:
        """Reads the `p cnf <variables> <clauses>` line."""
        if self.header_line is not None:
            raise self.error(f"duplicate 'p cnf' header (the first one is on line {self.header_line})", lineno)
        tokens = line.split()
        if len(tokens) != 4 or tokens[0] != "p" or tokens[1] != "cnf":
            raise self.error(f"malformed header {line!r}; expected 'p cnf <variables> <clauses>'", lineno)
        if not all(_INTEGER.fullmatch(t) for t in tokens[2:]):
            raise self.error(
                f"non-integer count in header {line!r}; expected 'p cnf <variables> <clauses>'", lineno
            )
        self.n_vars, self.n_declared = int(tokens[2]), int(tokens[3])
        if self.n_vars < 0 or self.n_declared < 0:
            raise self.error(f"negative count in header {line!r}", lineno)
        if self.n_vars > _MAX_INDEX:
            raise self.error(f"too many variables in header {line!r}: at most {_MAX_INDEX} are supported", lineno)
        self.header_line = lineno

    def token(self, token: str, lineno: int) -> None:
        """Reads one literal; `0` ends the current clause."""
        if not _INTEGER.fullmatch(token):
            raise self.error(f"non-integer token {token!r}", lineno)
        lit = int(token)
        if self.header_line is None:
            raise self.error("clause data before the 'p cnf' header (missing header)", lineno)
        if lit == 0:
            self.end_clause(lineno)
            return
        if abs(lit) > self.n_vars:
            raise self.error(
                f"variable {abs(lit)} out of range: the header declares {self.n_vars} variables", lineno
            )
        if self.current_start is None:
            self.current_start = lineno
        self.current.append(lit)

    def end_clause(self, lineno: int) -> None:
        """Closes the current clause: merges repeated literals, drops it if it is a tautology."""
        self.read_clauses += 1
        lits, repeated, tautology = normalize_clause(self.current)
        self.merged.extend((lineno, v) for v in repeated)
        if tautology:
            self.tautologies.append(lineno)
        else:
            if not lits:
                self.empties.append(lineno)
            self.clauses.append(lits)
        self.current = []
        self.current_start = None

    def finish(self, last_line: int) -> tuple[CNF, DimacsReport]:
        """The formula and the report, after checking the header, the last clause and the clause count."""
        if self.header_line is None:
            raise self.error("missing 'p cnf <variables> <clauses>' header", max(last_line, 1))
        if self.current:
            raise self.error(
                f"clause starting on line {self.current_start} has no terminating 0", self.current_start
            )
        if self.read_clauses != self.n_declared:
            raise self.error(
                f"the header declares {self.n_declared} clauses but {self.read_clauses} were read", self.header_line
            )
        cnf = CNF.from_clauses(self.clauses, n_vars=self.n_vars)
        report = DimacsReport(
            source=self.source,
            n_vars=self.n_vars,
            declared_clauses=self.n_declared,
            merged_duplicates=tuple(self.merged),
            dropped_tautologies=tuple(self.tautologies),
            empty_clauses=tuple(self.empties),
            comments=tuple(self.comments),
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
