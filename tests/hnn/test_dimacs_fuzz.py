"""Property-based fuzzing of the DIMACS reader: any bytes either parse or raise `hnn.DimacsError` (a `ValueError`)
that names a line of the file; no other exception escapes."""

import os
import tempfile

from hypothesis import example, given, settings, strategies as st

import hnn

TOKENS = [
    "p", "cnf", "p cnf", "c", "%", "0", "-", "+1", "1_0", "-0", "1", "-1", "2", "3", "00", "1.5", "x", "p cnf 3 2",
    "p cnf 0 0", "p cnf 3 0", "p cnf 2 1", "p cnf -1 2", "p cnf 99999999999 1", "99999999999", "-99999999999",
    "2147483648", "\u0663", "\xff", "\x00",
]
SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", " 0\n"]


def _fragment():
    return st.one_of(
        st.sampled_from(TOKENS),
        st.integers(-2**40, 2**40).map(str),
        st.integers(-5, 5).map(str),
    )


@st.composite
def dimacs_like(draw) -> bytes:
    """Byte strings that look like DIMACS CNF: header-ish, comment-ish and clause-ish tokens with odd separators,
    in utf-8 or latin-1, or plain random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    parts = draw(st.lists(st.tuples(_fragment(), st.sampled_from(SEPARATORS)), max_size=40))
    text = "".join(a + b for a, b in parts)
    return text.encode(draw(st.sampled_from(["utf-8", "latin-1"])), errors="replace")


def _check(data: bytes):
    fd, path = tempfile.mkstemp(suffix=".cnf")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with open(path, encoding="ascii", errors="replace") as f:  # universal newlines, as an editor counts
            n_lines = max(1, len(f.read().split("\n")))
        try:
            cnf, report = hnn.read_dimacs_report(path)
        except hnn.DimacsError as e:
            assert isinstance(e, ValueError)
            assert isinstance(e.line, int) and 1 <= e.line <= n_lines
            assert f"{path}:{e.line}: " in str(e)
            return
        assert isinstance(cnf, hnn.CNF) and cnf.n_vars == report.n_vars
        assert cnf.n_clauses == report.declared_clauses - len(report.dropped_tautologies)
    finally:
        os.unlink(path)


@settings(max_examples=400)
@given(dimacs_like())
@example(b"p cnf 99999999999 1\n99999999999 0\n")  # beyond int32
@example(b"p cnf 2147483648 1\n-2147483648 0\n")
@example(b"p cnf 1 1\x0c\n\x1c\n2 0\n")  # form feed and file separator are not line breaks in a file
@example(b"p cnf 1 1\n+1 0\n")
@example(b"p cnf \xd9\xa3 1\n")
def test_any_bytes_parse_or_raise_a_line_error(data):
    _check(data)


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_line_error(text):
    try:
        hnn.parse_dimacs(text, source="t.cnf")
    except hnn.DimacsError as e:
        assert e.line >= 1 and f"t.cnf:{e.line}: " in str(e)
