"""`hnn.QuboAnnealing`: Metropolis sweeps on the Rosenberg QUBO (colour-class schedule)."""

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import hnn

UNSAT = [[1], [-1], [2, 3, 4], [-2, -3, -4]]  # unsatisfiable (energy >= 1): replicas never freeze


def all_states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), np.float32)


def run_sweeps(method, cnf, key, replicas, sweeps):
    """The final QUBO-ordered spins `(replicas, n_vars + n_aux)` and the lowest QUBO energy seen per replica."""
    problem = method.prepare(cnf)
    x_key, init_key = jr.split(key)
    x0 = jr.bernoulli(x_key, 0.5, (replicas, cnf.n_vars))

    @eqx.filter_jit
    def go(problem, x0):
        state = method.init(problem, x0, key=init_key)

        def body(carry, t):
            state, best = carry
            state, _ = method.step(problem, state, t, key=init_key)
            e = hnn.qubo_energy(problem.quadratic.qubo, state.s[problem.slot].T)
            return (state, jnp.minimum(best, e)), None

        init = (state, jnp.full((replicas,), jnp.inf))
        (state, best), _ = jax.lax.scan(body, init, jnp.arange(sweeps))
        return state.s[problem.slot].T, best

    return go(problem, x0)


def test_coloring_is_proper_and_balanced():
    rng = np.random.default_rng(0)
    n = 60
    adj = [set() for _ in range(n)]
    for i, j in rng.integers(0, n, (200, 2)):
        if i != j:
            adj[i].add(int(j))
            adj[j].add(int(i))
    color = hnn.balanced_coloring([sorted(a) for a in adj])
    assert all(color[i] != color[j] for i in range(n) for j in adj[i])
    sizes = np.bincount(color)
    assert sizes.max() - sizes.min() <= 3


def test_problem_layout_keeps_the_qubo(getkey):
    cnf = hnn.random_ksat(getkey(), 8, 12, 4)
    problem = hnn.QuboAnnealing().prepare(cnf)
    qubo = problem.quadratic.qubo
    slots = np.asarray(problem.slot)
    assert len(set(slots.tolist())) == qubo.n_vars and np.asarray(problem.valid)[slots].all()
    assert np.asarray(problem.valid).sum() == qubo.n_vars
    s = np.asarray(jr.bernoulli(getkey(), 0.5, (5, qubo.n_vars)), np.float32)
    laid = np.zeros((5, problem.linear.shape[0]), np.float32)
    laid[:, slots] = s
    nbr, w = np.asarray(problem.neighbours), np.asarray(problem.weights)
    field = np.asarray(problem.linear)[slots] + np.einsum("vd,rvd->rv", w[slots], laid[:, nbr[slots]])
    dense_w, b, _ = qubo.to_dense()
    np.testing.assert_allclose(field, b + s @ np.asarray(dense_w), atol=1e-5)  # every spin's local field
    for lo, size, _ in problem.classes:  # no coupling inside a colour class
        members = slots[(slots >= lo) & (slots < lo + size)]
        assert not np.isin(nbr[members], members).any()


@pytest.mark.parametrize("clauses", [UNSAT, [[1, 2, 3], [-1, -2, 3], [1, -2, -3], [-1, 2, -3], [2, 3, -4]]])
def test_finds_the_qubo_ground_state(clauses, getkey):
    cnf = hnn.CNF.from_clauses(clauses)
    method = hnn.QuboAnnealing(beta_start=0.5, beta_end=5.0, sweeps=50)
    qubo = method.prepare(cnf).quadratic.qubo
    assert qubo.n_vars <= 16
    exact = float(np.min(np.asarray(hnn.qubo_energy(qubo, all_states(qubo.n_vars)))))
    if len(clauses) == 5:  # the satisfiable one: its ground state has energy 0
        sol = hnn.solve(cnf, key=getkey(), method=method, replicas=8, max_steps=200)
        assert sol.satisfied and exact == 0.0
    _, best = run_sweeps(method, cnf, getkey(), 16, 100)
    np.testing.assert_allclose(np.min(best), exact, atol=1e-5)


def test_fixed_temperature_samples_the_boltzmann_distribution(getkey):
    """At a fixed beta the colour-class Metropolis chain is the sequential one, whose stationary law is
    `exp(-beta E(s)) / Z`: compare the energies of many replicas after 60 sweeps with the exact law."""
    cnf = hnn.CNF.from_clauses(UNSAT)
    beta = 1.0
    method = hnn.QuboAnnealing(beta_start=beta, beta_end=beta, sweeps=1)
    qubo = method.prepare(cnf).quadratic.qubo
    e_all = np.asarray(hnn.qubo_energy(qubo, all_states(qubo.n_vars)))
    levels = np.unique(e_all)
    p = np.array([np.exp(-beta * e_all[e_all == lv]).sum() for lv in levels])
    p /= p.sum()
    s, _ = run_sweeps(method, cnf, getkey(), 8192, 60)
    e = np.asarray(hnn.qubo_energy(qubo, s))
    freq = np.array([np.mean(np.isclose(e, lv)) for lv in levels])
    tol = 4 * np.sqrt(p * (1 - p) / 8192) + 1e-3  # 4 standard errors of a frequency
    assert np.all(np.abs(freq - p) <= tol), (freq, p)


def test_same_key_same_result_and_no_recompilation(count_compiles):
    cnf = hnn.random_ksat(jr.key(3), 20, 85, 3)
    method = hnn.QuboAnnealing()
    k1, k2 = jr.key(7), jr.key(8)
    a = hnn.solve(cnf, key=k1, method=method, replicas=8, max_steps=3000, stop="all")
    b = hnn.solve(cnf, key=k1, method=method, replicas=8, max_steps=3000, stop="all")
    assert a.satisfied
    np.testing.assert_array_equal(a.replica_hit_step, b.replica_hit_step)
    np.testing.assert_array_equal(a.assignment, b.assignment)
    with count_compiles() as c:
        hnn.solve(cnf, key=k2, method=method, replicas=8, max_steps=3000, stop="all")
    assert c.count == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="inverse temperatures"):
        hnn.QuboAnnealing(beta_start=0.0)
    with pytest.raises(ValueError, match="sweeps"):
        hnn.QuboAnnealing(sweeps=0)
    with pytest.raises(ValueError, match="penalty"):
        hnn.QuboAnnealing(penalty=0.5)
