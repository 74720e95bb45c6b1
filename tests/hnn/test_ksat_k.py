"""Random k-SAT for k = 4..7: the generator (distinct variables, unbiased signs, not planted), the shipped k = 4 and
k = 5 threshold instances (and a file with repeated literals) and the default method on them."""

import jax.random as jr
import numpy as np
import pytest

import hnn

K_FILES = ["k4-n50-01.cnf", "k4-n50-02.cnf", "k5-n50-01.cnf", "k5-n50-02.cnf"]


@pytest.mark.parametrize("k", [4, 5, 6, 7])
def test_random_ksat_distinct_variables_and_unbiased_signs(k):
    n, m = 40, 2000
    cnf = hnn.random_ksat(jr.key(k), n, m, k)
    lits = np.asarray(cnf.clauses)
    assert lits.shape == (m, k) and np.all(lits != 0)
    var = np.abs(lits)
    assert all(len(set(row)) == k for row in var.tolist())  # k distinct variables per clause
    positive = np.mean(lits > 0)
    assert abs(positive - 0.5) < 4 * np.sqrt(0.25 / lits.size)  # each literal negated with probability 1/2
    counts = np.bincount(var.reshape(-1), minlength=n + 1)[1:]
    expected = m * k / n
    assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected))  # variables uniform


def test_random_ksat_is_not_planted():
    """Far above the threshold (alpha = 16 for k = 4, threshold 9.931) uniform formulas are unsatisfiable, which a
    planted generator never produces; and the same key's planted assignment violates some random clauses."""
    n, m = 20, 320
    unsat = [not hnn.solve(hnn.random_ksat(jr.key(s), n, m, 4), method="cadical").satisfied for s in range(3)]
    assert all(unsat)
    cnf = hnn.random_ksat(jr.key(0), 40, 400, 4)
    _, hidden = hnn.planted_ksat(jr.key(0), 40, 400, 4)
    assert int(hnn.energy(cnf, hidden)) > 0


@pytest.mark.parametrize("name", K_FILES)
def test_shipped_threshold_files(name, cnf_data):
    cnf, report = hnn.read_dimacs_report(cnf_data / "ksat" / name)
    k = int(name[1])
    alpha = {4: 9.931, 5: 21.117}[k]
    assert cnf.n_vars == 50 and cnf.n_clauses == round(alpha * 50) and cnf.width == k
    assert not report.merged_duplicates and not report.dropped_tautologies
    assert hnn.solve(cnf, method="cadical").satisfied


def test_repeated_literals_are_merged(cnf_data):
    cnf, report = hnn.read_dimacs_report(cnf_data / "ksat" / "k4-n20-dup.cnf")
    assert len(report.merged_duplicates) == 3
    assert cnf.width == 4 and int(np.max(np.asarray(cnf.sizes))) == 4
    assert cnf.to_lists() == hnn.random_ksat(jr.key(7), 20, 60, 4).to_lists()
    sol = hnn.solve(cnf, key=jr.key(0))
    assert sol.satisfied


def test_default_method_solves_k4_and_k5_at_n50(cnf_data):
    """The default method (probSAT with the probSAT paper's exponential rule for k >= 4) on the shipped k = 4 and
    k = 5 threshold instances: every instance solved, fixed keys."""
    for i, name in enumerate(K_FILES):
        cnf = hnn.read_dimacs(cnf_data / "ksat" / name)
        sol = hnn.solve(cnf, key=jr.key(i), replicas=32, max_steps=100_000)
        assert sol.satisfied, name
