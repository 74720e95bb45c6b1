import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import hnn

STOCHASTIC = ["probsat", "walksat", "hopfield", "qubo", "qubo_sa"]
UNSAT_3 = hnn.CNF.from_clauses(
    [[a * 1, b * 2, c * 3] for a in (1, -1) for b in (1, -1) for c in (1, -1)], n_vars=3
)  # all 8 sign patterns: unsatisfiable


@pytest.mark.parametrize("method", STOCHASTIC)
def test_solves_verifies_is_deterministic_and_compiles_once(method, cnf_data, count_compiles):
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")
    other = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-02.cnf")  # the same shape class as uf20-01
    key, other_key = jr.key(3), jr.key(4)
    kwargs = dict(method=method, replicas=16, max_steps=50_000)
    sol = hnn.solve(cnf, key=key, **kwargs)
    assert sol.status == hnn.RESULTS.satisfied and sol.method == method
    assert hnn.verify(cnf, sol.assignment)
    assert bool(hnn.is_satisfied(cnf, jnp.asarray(sol.assignment)))
    assert sol.steps >= 1 and sol.flips >= 1 and sol.variable_updates >= sol.steps
    with count_compiles() as compiles:
        again = hnn.solve(cnf, key=key, **kwargs)
    assert compiles.count == 0  # no recompilation on the second call
    assert again.steps == sol.steps
    np.testing.assert_array_equal(again.assignment, sol.assignment)
    np.testing.assert_array_equal(again.replica_hit_step, sol.replica_hit_step)
    if method not in ("qubo", "qubo_sa"):  # QUBO neighbour lists depend on the instance; clause lists are bucketed
        with count_compiles() as compiles:
            assert hnn.solve(other, key=other_key, **kwargs).satisfied
        assert compiles.count == 0


@pytest.mark.parametrize("method", STOCHASTIC)
def test_unsat_never_reported_satisfied(method):
    sol = hnn.solve(UNSAT_3, key=jr.key(0), method=method, replicas=8, max_steps=300)
    assert sol.status == hnn.RESULTS.budget_exhausted
    assert sol.steps == 300
    assert np.all(sol.replica_hit_step == -1) and np.all(sol.replica_unsat >= 1)


def test_cadical_exact_baseline(cnf_data):
    assert hnn.solve(UNSAT_3, method="cadical").status == hnn.RESULTS.unsatisfiable
    assert hnn.solve(hnn.read_dimacs(cnf_data / "unsat" / "rand3-n20-m120.cnf"), method="cadical").status == (
        hnn.RESULTS.unsatisfiable
    )
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf50" / "uf50-01.cnf")
    sol = hnn.solve(cnf, method="cadical", timeout_s=30)
    assert sol.status == hnn.RESULTS.satisfied and hnn.verify(cnf, sol.assignment)
    empty = hnn.CNF.from_clauses([[1], []], n_vars=1)
    assert hnn.solve(empty, method="cadical").status == hnn.RESULTS.unsatisfiable


@pytest.mark.parametrize("k, n, m", [(4, 30, 200), (5, 30, 400)])
@pytest.mark.parametrize("method", ["probsat", "walksat", "hopfield"])
def test_k4_k5(k, n, m, method):
    cnf = hnn.random_ksat(jr.key(k), n, m, k, planted=True)
    sol = hnn.solve(cnf, key=jr.key(1), method=method, replicas=8, max_steps=20_000)
    assert sol.satisfied and hnn.verify(cnf, sol.assignment)


@pytest.mark.parametrize("method", STOCHASTIC)
def test_satisfied_replicas_stay_put(method):
    cnf, hidden = hnn.planted_ksat(jr.key(7), 15, 60, 3)
    m = hnn.get_method(method)
    problem = m.prepare(cnf)
    x0 = jnp.stack([hidden, ~hidden])
    state = eqx.filter_jit(m.init)(problem, x0, key=jr.key(0))
    step = eqx.filter_jit(m.step)
    for t in range(5):
        state, info = step(problem, state, jnp.asarray(t), key=jr.key(t))
        assert bool(info.satisfied[0]) and not bool(info.satisfied[1])
        np.testing.assert_array_equal(m.assignment(problem, state)[0], hidden)


def test_stop_all_collects_every_replica():
    cnf = hnn.random_ksat(jr.key(2), 20, 80, 3, planted=True)
    sol = hnn.solve(cnf, key=jr.key(0), method="probsat", replicas=16, max_steps=100_000, stop="all")
    assert np.all(sol.replica_hit_step >= 1)
    assert sol.steps == sol.replica_hit_step.max()
    assert np.isfinite(hnn.tts99(sol.replica_hit_step))


def test_timeout_returns_budget_exhausted():
    sol = hnn.solve(UNSAT_3, key=jr.key(0), method="probsat", replicas=4, max_steps=2**31 - 2, timeout_s=0.5)
    assert sol.status == hnn.RESULTS.budget_exhausted and sol.wall_time_s < 10


def test_shipped_satlib_instances_solved(cnf_data):
    files = sorted((cnf_data / "satlib").glob("uf*/*.cnf"))
    assert len(files) == 6
    for i, f in enumerate(files):
        cnf = hnn.read_dimacs(f)
        sol = hnn.solve(cnf, key=jr.key(i), method="probsat", replicas=32, max_steps=100_000)
        assert sol.satisfied and hnn.verify(cnf, sol.assignment), f


@pytest.mark.slow
def test_satlib_subset(satlib):
    files = sorted((satlib / "uf20").glob("*.cnf"))[:20] + sorted((satlib / "uf100").glob("*.cnf"))[:3]
    for i, f in enumerate(files):
        cnf = hnn.read_dimacs(f)
        sol = hnn.solve(cnf, key=jr.key(i), method="probsat", replicas=32, max_steps=100_000)
        assert sol.satisfied and hnn.verify(cnf, sol.assignment), f


@pytest.mark.slow
@pytest.mark.parametrize("family", ["uf20", "uf50", "uf75", "uf100"])
def test_all_satlib_solved(family, satlib):
    for i, f in enumerate(sorted((satlib / family).glob("*.cnf"))):
        cnf = hnn.read_dimacs(f)
        sol = hnn.solve(cnf, key=jr.key(i), method="probsat", replicas=32, max_steps=200_000)
        assert sol.satisfied and hnn.verify(cnf, sol.assignment), f


@pytest.mark.parametrize("method", [*STOCHASTIC, "analog", "cadical"])
@pytest.mark.parametrize("n_vars", [0, 3])
def test_formula_without_clauses_is_satisfied(method, n_vars):
    cnf = hnn.parse_dimacs(f"p cnf {n_vars} 0\n")[0]
    sol = hnn.solve(cnf, key=jr.key(0), method=method, replicas=4)
    assert sol.status == hnn.RESULTS.satisfied and sol.steps == 0
    assert sol.assignment.shape == (n_vars,) and hnn.verify(cnf, sol.assignment)
    tautologies = hnn.parse_dimacs("p cnf 2 2\n1 -1 0\n2 -2 2 0\n")[0]  # both clauses dropped: no clause left
    assert hnn.solve(tautologies, key=jr.key(0), method=method).satisfied


@pytest.mark.parametrize("method", [*STOCHASTIC, "analog", "cadical"])
@pytest.mark.parametrize("text", ["p cnf 2 1\n0\n", "p cnf 0 1\n0\n", "p cnf 2 2\n1 2 0\n0\n"])
def test_empty_clause_is_unsatisfiable(method, text):
    cnf = hnn.parse_dimacs(text)[0]
    sol = hnn.solve(cnf, key=jr.key(0), method=method, replicas=4, max_steps=100)
    assert sol.status == hnn.RESULTS.unsatisfiable and not sol.satisfied
    if method != "cadical":
        assert sol.steps == 0 and np.all(sol.replica_hit_step == -1)


def test_bad_arguments():
    cnf = hnn.CNF.from_clauses([[1, 2]])
    with pytest.raises(ValueError, match="key"):
        hnn.solve(cnf, method="probsat")
    with pytest.raises(ValueError, match="unknown method"):
        hnn.solve(cnf, key=jr.key(0), method="annealing")
    with pytest.raises(ValueError, match="replicas"):
        hnn.solve(cnf, key=jr.key(0), replicas=0)
    with pytest.raises(ValueError, match="stop"):
        hnn.solve(cnf, key=jr.key(0), stop="first")
    with pytest.raises(ValueError, match="CNF"):
        hnn.solve([[1, 2]], key=jr.key(0))
    with pytest.raises(ValueError, match="q"):
        hnn.HighOrderHopfield(q=0.0)
    with pytest.raises(ValueError, match="rule"):
        hnn.ProbSAT(rule="linear")
    with pytest.raises(ValueError, match="noise"):
        hnn.WalkSAT(noise=2.0)


def test_probsat_rule_by_k():
    assert hnn.ProbSAT().resolved(3) == ("poly", 2.06)
    assert hnn.ProbSAT().resolved(4) == ("exp", 2.85)  # probSAT.c (SC13) setupParameters; the paper: 3.0
    assert hnn.ProbSAT().resolved(5) == ("exp", 3.7)


@pytest.mark.parametrize("bad", [0, 7.0, "seed"])
def test_non_key_gets_the_message_that_says_how_to_make_one(bad):
    cnf = hnn.CNF.from_clauses([[1, 2], [-1, 2]], n_vars=2)
    for call in (lambda: hnn.solve(cnf, key=bad), lambda: hnn.random_ksat(bad, 5, 10, 3),
                 lambda: hnn.planted_ksat(bad, 5, 10, 3)):
        with pytest.raises(ValueError, match=r"jax\.random\.key\(seed\)"):
            call()
