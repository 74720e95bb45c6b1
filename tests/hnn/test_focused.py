"""The focused searches' incremental bookkeeping against brute force, their stream, and shape bucketing."""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import hnn


def _check_state(cnf, problem, state):
    """Every count of a focused state against `hnn.energy` / `hnn.make_break` / the network's forward pass."""
    x = np.asarray(state.x)
    _, brk = hnn.make_break(cnf, x)
    np.testing.assert_array_equal(np.asarray(state.n_unsat), np.asarray(hnn.energy(cnf, x)))
    np.testing.assert_array_equal(np.asarray(state.breaks)[:, :-1], np.asarray(brk))
    n_true_ref = np.asarray(
        problem.network.forward(jnp.asarray(x.T.astype(np.int32)))
    ).T  # (r, m), padding = 2
    packed = np.asarray(state.clause)
    n_true, upper = packed & ((1 << problem.shift) - 1), packed >> problem.shift
    np.testing.assert_array_equal(n_true[:, :-1], n_true_ref)
    for r in range(x.shape[0]):
        listed = np.asarray(state.unsat[r, : int(state.n_unsat[r])])
        assert sorted(listed.tolist()) == np.flatnonzero(n_true[r, :-1] == 0).tolist()
        np.testing.assert_array_equal(
            upper[r, listed], np.arange(listed.size)
        )  # each clause knows its position
        critical = np.flatnonzero(n_true[r, :-1] == 1)
        lit = np.asarray(cnf.clauses)[critical]  # the critical variable is the one true literal
        vals = x[r][np.abs(lit) - 1]
        true_var = np.where((lit > 0) == vals, np.abs(lit) - 1, 0).sum(axis=1)
        np.testing.assert_array_equal(upper[r, critical], true_var)


@pytest.mark.parametrize("method", [hnn.ProbSAT(), hnn.WalkSAT(), hnn.ProbSAT(flips_per_step=3)])
def test_bookkeeping_matches_brute_force(method, cnf_data):
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf50" / "uf50-01.cnf")
    problem = method.prepare(cnf)
    x0 = jr.bernoulli(jr.key(0), 0.5, (8, cnf.n_vars))
    state = eqx.filter_jit(method.init)(problem, x0, key=jr.key(1))
    _check_state(cnf, problem, state)
    step = eqx.filter_jit(method.step)
    for t in range(60):
        state, info = step(problem, state, jnp.asarray(t), key=jr.key(0))
        if t % 15 == 14:
            _check_state(cnf, problem, state)
    np.testing.assert_array_equal(np.asarray(info.satisfied), np.asarray(state.n_unsat) == 0)


def test_flips_per_step_is_the_same_stream(cnf_data):
    """Several flips per step run the same flips as as many one-flip steps (the replicas' lanes carry the stream)."""
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")
    one, three = hnn.ProbSAT(), hnn.ProbSAT(flips_per_step=3)
    problem = one.prepare(cnf)
    x0 = jr.bernoulli(jr.key(5), 0.5, (4, cnf.n_vars))
    a = b = eqx.filter_jit(one.init)(problem, x0, key=jr.key(2))
    flips_a = flips_b = 0
    for t in range(6):
        a, info = eqx.filter_jit(one.step)(problem, a, jnp.asarray(t), key=None)
        flips_a = flips_a + info.flips
    for t in range(2):
        b, info = eqx.filter_jit(three.step)(problem, b, jnp.asarray(t), key=None)
        flips_b = flips_b + info.flips
    for leaf_a, leaf_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(leaf_a), np.asarray(leaf_b))
    np.testing.assert_array_equal(np.asarray(flips_a), np.asarray(flips_b))


def test_bucketed_shapes_share_one_compiled_program(cnf_data, count_compiles):
    """Formulas whose clause counts fall in one bucket run on one compiled program; padding never yields a wrong
    answer (`solve` verifies against the CNF)."""
    a = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")
    clauses = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-03.cnf").to_lists()
    b = hnn.CNF.from_clauses(clauses[:-5], n_vars=20)  # 86 clauses: the bucket of 91
    assert hnn.bucket_size(a.n_clauses) == hnn.bucket_size(b.n_clauses) == 96
    # the CNF's own clause-size helper compiles two tiny programs per shape (outside the solver): warm it first
    assert int(b.sizes.sum()) == 258
    for method in ("probsat", "walksat", "hopfield"):
        kwargs = dict(method=method, replicas=8, max_steps=20_000)
        assert hnn.solve(a, key=jr.key(0), **kwargs).satisfied
        with count_compiles() as compiles:
            sol = hnn.solve(b, key=jr.key(1), **kwargs)
        assert sol.satisfied and hnn.verify(b, sol.assignment)
        assert compiles.count == 0, method


def test_padding_clauses_are_inert():
    cnf = hnn.CNF.from_clauses([[1, 2, -3], [-1, 2, 3], [1, -2, 3]], n_vars=3)
    net = hnn.HighOrderNetwork.from_cnf(cnf)
    assert net.n_clauses == 8 and np.asarray(net.padding).tolist() == [False] * 3 + [True] * 5
    x = jnp.zeros((3, 2), jnp.int8)
    n_true = np.asarray(net.forward(x))
    np.testing.assert_array_equal(n_true[3:], 2)  # never unsatisfied nor critical
    make, brk = net.backward(x, net.forward(x))
    mk, bk = hnn.make_break(cnf, np.zeros((2, 3), bool))
    np.testing.assert_array_equal(np.asarray(make).T, np.asarray(mk))
    np.testing.assert_array_equal(np.asarray(brk).T, np.asarray(bk))


def test_bucket_size():
    sizes = [hnn.bucket_size(n) for n in range(0, 3000)]
    assert sizes[:9] == [8] * 9 and hnn.bucket_size(91) == 96 and hnn.bucket_size(1065) == 1184
    for n, s in enumerate(sizes):
        assert s >= n and s % 8 == 0 and s <= max(8, 1.25 * n + 8)
    assert sorted(sizes) == sizes


def test_probsat_parameters_follow_the_reference_code():
    assert hnn.probsat_parameters(3) == ("poly", 2.06, 0.9)
    assert [hnn.probsat_parameters(k)[:2] for k in (4, 5, 6, 7, 9)] == [
        ("exp", 2.85),
        ("exp", 3.7),
        ("exp", 5.1),
        ("exp", 5.4),
        ("exp", 5.4),
    ]
    cnf = hnn.random_ksat(jr.key(0), 20, 100, 5)
    w = np.asarray(hnn.ProbSAT().prepare(cnf).break_weights)
    np.testing.assert_allclose(w, 3.7 ** -np.arange(w.size), rtol=1e-6)
    w3 = np.asarray(hnn.ProbSAT().prepare(hnn.random_ksat(jr.key(0), 20, 80, 3)).break_weights)
    np.testing.assert_allclose(w3, (0.9 + np.arange(w3.size)) ** -2.06, rtol=1e-6)
    assert hnn.ProbSAT(rule="exp").resolved(3) == ("exp", 2.5)
    assert hnn.ProbSAT(cb=3.3).resolved(4) == ("exp", 3.3)
    with pytest.raises(ValueError, match="flips_per_step"):
        hnn.ProbSAT(flips_per_step=0)


def test_focused_hopfield_updates_only_variables_of_unsatisfied_clauses(cnf_data):
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-02.cnf")
    method = hnn.HighOrderHopfield(
        focused=True, q=1.0, t_start=50.0, t_end=50.0
    )  # hot: every eligible neuron ~flips
    problem = method.prepare(cnf)
    x0 = jr.bernoulli(jr.key(3), 0.5, (16, cnf.n_vars))
    state = eqx.filter_jit(method.init)(problem, x0, key=jr.key(4))
    new, info = eqx.filter_jit(method.step)(problem, state, jnp.asarray(0), key=None)
    make, _ = hnn.make_break(cnf, np.asarray(x0))
    changed = np.asarray(method.assignment(problem, new)) != np.asarray(x0)
    assert not np.any(changed & (np.asarray(make) == 0))  # only variables of unsatisfied clauses move
    assert changed.sum() > 0 and np.array_equal(changed.sum(axis=1), np.asarray(info.flips))
    sol = hnn.solve(
        cnf, key=jr.key(0), method=hnn.HighOrderHopfield(focused=True), replicas=16, max_steps=50_000
    )
    assert sol.satisfied and hnn.verify(cnf, sol.assignment)
