import os

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import hnn


def test_reads_satlib_file(satlib):
    cnf, report = hnn.read_dimacs_report(satlib / "uf20" / "uf20-01.cnf")
    assert cnf.n_vars == 20 and cnf.n_clauses == 91 and cnf.width == 3
    assert report.clean and report.declared_clauses == 91
    assert np.all(np.asarray(cnf.sizes) == 3)
    assert cnf.clauses.dtype == jnp.int32


def test_parser_format_features():
    text = "c a comment\nc\np  cnf   4  3 \n 1  -2\n 3 0 -4\n0 2 4 0\n%\n0\n"
    cnf, report = hnn.parse_dimacs(text)
    assert cnf.to_lists() == [[1, -2, 3], [-4], [2, 4]]
    assert cnf.n_vars == 4
    assert report.comments == ("a comment", "")


def test_duplicates_merged_and_tautologies_dropped():
    text = "p cnf 3 3\n1 1 -2 0\n1 -1 3 0\n2 3 2 3 0\n"
    cnf, report = hnn.parse_dimacs(text)
    assert cnf.to_lists() == [[1, -2], [2, 3]]
    assert report.merged_duplicates == ((2, 1), (4, 2), (4, 3))
    assert report.dropped_tautologies == (3,)
    assert not report.clean


def test_empty_clause_kept():
    cnf, report = hnn.parse_dimacs("p cnf 2 2\n1 2 0\n0\n")
    assert cnf.to_lists() == [[1, 2], []]
    assert report.empty_clauses == (3,)
    assert int(hnn.energy(cnf, jnp.array([True, True]))) == 1


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("c hi\n1 2 0\n", 2, "header"),
        ("c only comments\n", 1, "missing 'p cnf"),
        ("p cnf 2 1\np cnf 2 1\n1 0\n", 2, "duplicate"),
        ("p cnf 2 1\n1 3 0\n", 2, "out of range"),
        ("p cnf 2 2\n1 0\n2 x 0\n", 3, "non-integer"),
        ("p cnf 2 1\n1.5 0\n", 2, "non-integer"),
        ("p cnf 3 2\n1 2 0\n\n3 -1\n", 4, "terminating 0"),
        ("p cnf 3 2\n1 2 0\n", 1, "declares 2 clauses"),
        ("p knf 3 2\n", 1, "malformed header"),
        ("p cnf 3\n", 1, "malformed header"),
        ("p cnf a 2\n", 1, "non-integer"),
    ],
)
def test_parser_errors_name_the_line(text, line, fragment):
    with pytest.raises(hnn.DimacsError) as info:
        hnn.parse_dimacs(text, source="f.cnf")
    assert info.value.line == line
    assert f"f.cnf:{line}:" in str(info.value)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_write_read_roundtrip(tmp_path, getkey):
    cnf = hnn.random_ksat(getkey(), 12, 40, 3)
    path = tmp_path / "f.cnf"
    hnn.write_dimacs(cnf, path, comments=["generated"])
    back = hnn.read_dimacs(path)
    assert back.n_vars == cnf.n_vars
    np.testing.assert_array_equal(np.asarray(back.clauses), np.asarray(cnf.clauses))
    assert os.listdir(tmp_path) == ["f.cnf"]  # no temporary file left behind
    text = path.read_text()
    assert text.startswith("c generated\np cnf 12 40\n")


def test_write_is_atomic_replace(tmp_path):
    path = tmp_path / "f.cnf"
    path.write_text("old")
    hnn.write_dimacs(hnn.CNF.from_clauses([[1, -2], [2]]), path)
    assert hnn.read_dimacs(path).to_lists() == [[1, -2], [2]]


def test_cnf_validation():
    with pytest.raises(ValueError, match="out of range"):
        hnn.CNF(jnp.array([[1, 5]]), 3)
    with pytest.raises(ValueError, match="2-D"):
        hnn.CNF(jnp.array([1, 2]), 3)
    with pytest.raises(ValueError, match="integers"):
        hnn.CNF(jnp.array([[1.0]]), 3)
    with pytest.raises(ValueError, match="n_vars"):
        hnn.CNF(jnp.array([[1]]), -1)
    with pytest.raises(ValueError, match="literal 0"):
        hnn.CNF.from_clauses([[1, 0]])


def test_cnf_is_a_pytree_that_jits(getkey):
    cnf = hnn.random_ksat(getkey(), 10, 30, 3)
    x = jr.bernoulli(getkey(), 0.5, (10,))
    assert int(jax.jit(hnn.energy)(cnf, x)) == int(hnn.energy(cnf, x))


@pytest.mark.parametrize("k", [3, 4, 5])
def test_random_ksat(k, getkey):
    key = getkey()
    cnf = hnn.random_ksat(key, 20, 50, k)
    c = np.asarray(cnf.clauses)
    assert c.shape == (50, k)
    assert np.all((np.abs(c) >= 1) & (np.abs(c) <= 20))
    assert all(len(set(np.abs(row))) == k for row in c)  # distinct variables per clause
    again = hnn.random_ksat(key, 20, 50, k)
    np.testing.assert_array_equal(c, np.asarray(again.clauses))
    assert 0.4 < np.mean(c > 0) < 0.6


@pytest.mark.parametrize("k", [3, 4, 5])
def test_planted_is_satisfied_by_hidden(k, getkey):
    cnf, hidden = hnn.planted_ksat(getkey(), 30, 200, k)
    assert hnn.verify(cnf, hidden)
    assert hnn.verify(hnn.random_ksat(getkey(), 30, 10, k, planted=True), np.zeros(30)) in (True, False)


def test_random_ksat_errors(getkey):
    with pytest.raises(ValueError, match="at least k"):
        hnn.random_ksat(getkey(), 2, 5, 3)
    with pytest.raises(ValueError, match="key"):
        hnn.random_ksat(None, 5, 5, 3)
    with pytest.raises(ValueError, match="Python int"):
        hnn.random_ksat(getkey(), 5.0, 5, 3)
