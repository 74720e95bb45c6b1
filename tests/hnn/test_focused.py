"""The focused searches' incremental bookkeeping (both engines) against brute force, their streams, the engines'
agreement in distribution, and shape bucketing."""

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


@pytest.mark.parametrize(
    "method",
    [hnn.ProbSAT(engine="lists"), hnn.WalkSAT(engine="lists"), hnn.ProbSAT(flips_per_step=3, engine="lists")],
)
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


def _bitset_counts(problem, state):
    """The true-literal count of every clause slot of the padded word axis, read back from the bit planes."""
    planes = [np.asarray(p).astype(np.int64) for p in state.planes]
    c = np.arange(planes[0].shape[1] * 32)
    return sum(((p[:, c // 32] >> (c % 32)) & 1) << i for i, p in enumerate(planes))


def _check_bitset_state(cnf, problem, state):
    """A bitset state against brute force: every clause's true-literal count, the unsatisfied count, the sink."""
    x = np.asarray(state.x)
    assert x.shape[1] == cnf.n_vars + 1 and not x[:, -1].any()  # the sink variable stays False
    x = x[:, :-1]
    clauses = np.asarray(cnf.clauses)
    lit_true = ((clauses > 0) == x[:, np.abs(clauses) - 1]) & (clauses != 0)  # (r, m, k)
    counts = _bitset_counts(problem, state)
    m = clauses.shape[0]
    np.testing.assert_array_equal(counts[:, :m], lit_true.sum(axis=2))
    np.testing.assert_array_equal(counts[:, m:], 0)  # padding clauses hold no literal
    np.testing.assert_array_equal(np.asarray(state.n_unsat), np.asarray(hnn.energy(cnf, x)))


@pytest.mark.parametrize(
    "method,path",
    [
        (hnn.ProbSAT(engine="bitset"), "uf50/uf50-01.cnf"),
        (hnn.WalkSAT(engine="bitset"), "uf50/uf50-01.cnf"),
        (hnn.ProbSAT(flips_per_step=3, engine="bitset"), "uf20/uf20-01.cnf"),
    ],
)
def test_bitset_bookkeeping_matches_brute_force(method, path, cnf_data):
    cnf = hnn.read_dimacs(cnf_data / "satlib" / path)
    problem = method.prepare(cnf)
    x0 = jr.bernoulli(jr.key(0), 0.5, (8, cnf.n_vars))
    state = eqx.filter_jit(method.init)(problem, x0, key=jr.key(1))
    _check_bitset_state(cnf, problem, state)
    step = eqx.filter_jit(method.step)
    flips = 0
    for t in range(60):
        before = np.asarray(state.x)
        state, info = step(problem, state, jnp.asarray(t), key=jr.key(0))
        changed = (np.asarray(state.x) != before).sum(axis=1)
        np.testing.assert_array_equal(changed <= np.asarray(info.flips), True)  # a flip may be undone in a step
        flips = flips + np.asarray(info.flips)
        if t % 15 == 14:
            _check_bitset_state(cnf, problem, state)
    np.testing.assert_array_equal(np.asarray(info.satisfied), np.asarray(state.n_unsat) == 0)
    assert flips.min() > 0


def test_bitset_mixed_width_and_padding_words():
    """Clauses of 1, 2 and 3 literals (empty slots read the sink variable) over more than one 32-clause word."""
    rng = np.random.default_rng(0)
    clauses = []
    for i in range(70):
        k = 1 + i % 3
        vs = rng.choice(12, size=k, replace=False) + 1
        clauses.append([int(v) if rng.random() < 0.5 else -int(v) for v in vs])
    clauses = [c for c in clauses if len(c) > 1] + [[5]]  # one unit clause
    cnf = hnn.CNF.from_clauses(clauses, n_vars=12)
    method = hnn.ProbSAT(engine="bitset")
    problem = method.prepare(cnf)
    assert problem.words == 8 and problem.n_planes == 2
    state = eqx.filter_jit(method.init)(problem, jr.bernoulli(jr.key(2), 0.5, (16, 12)), key=jr.key(3))
    step = eqx.filter_jit(method.step)
    for t in range(40):
        state, _ = step(problem, state, jnp.asarray(t), key=None)
    _check_bitset_state(cnf, problem, state)


@pytest.mark.parametrize("n_vars,n_clauses", [(40, 300), (700, 2900)])  # one-level and two-level pick
def test_bitset_flips_follow_a_uniform_clause_pick(n_vars, n_clauses):
    """From one assignment, the variable each of many replicas flips in its first step is distributed as a uniformly
    picked unsatisfied clause followed by WalkSAT's rule with noise 1 (a break-0 variable of the clause if there is
    one, else any of its variables, uniformly): chi-square test at the 0.1 % level, fixed keys."""
    from scipy.stats import chi2

    cnf = hnn.random_ksat(jr.key(4), n_vars, n_clauses, 3)
    method = hnn.WalkSAT(noise=1.0, engine="bitset")
    problem = method.prepare(cnf)
    assert (problem.words > 64) == (n_vars > 40)  # the two-level pick beyond 64 words
    x = np.asarray(jr.bernoulli(jr.key(5), 0.5, (cnf.n_vars,)))
    clauses = np.asarray(cnf.clauses)
    unsat = np.flatnonzero(~((clauses > 0) == x[np.abs(clauses) - 1]).any(axis=1))
    _, brk = hnn.make_break(cnf, x)
    expected = np.zeros(cnf.n_vars)
    for c in unsat:
        vs = np.abs(clauses[c]) - 1
        free = vs[np.asarray(brk)[vs] == 0]
        chosen = free if free.size else vs
        expected[chosen] += 1 / (unsat.size * chosen.size)
    replicas = 20_000
    state = eqx.filter_jit(method.init)(problem, jnp.broadcast_to(x, (replicas, cnf.n_vars)), key=jr.key(6))
    new, info = eqx.filter_jit(method.step)(problem, state, jnp.asarray(0), key=None)
    changed = np.asarray(method.assignment(problem, new)) != x
    assert (changed.sum(axis=1) == 1).all() and (np.asarray(info.flips) == 1).all()
    observed = changed.sum(axis=0)
    assert observed[expected == 0].sum() == 0  # only variables of unsatisfied clauses
    support = expected > 0
    stat = np.sum((observed[support] - replicas * expected[support]) ** 2 / (replicas * expected[support]))
    assert stat < chi2.ppf(0.999, support.sum() - 1), (stat, support.sum())


def test_engines_agree_in_distribution(cnf_data):
    """The two engines run one algorithm with different random streams: their flips to solution over many runs on
    one instance agree (two-sample Kolmogorov-Smirnov distance of the distributions censored at the flip budget,
    below the 0.1 %-level critical value; fixed keys). On 4,000 runs each the medians were 3,086 (lists) and 3,105
    (bitset) flips."""
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf50" / "uf50-02.cnf")
    runs, replicas = {}, 256
    for engine in ("lists", "bitset"):
        sol = hnn.solve(
            cnf, key=jr.key(9), method=hnn.ProbSAT(engine=engine), replicas=replicas, max_steps=8_000, stop="all"
        )
        hit = np.asarray(sol.replica_hit_step) >= 1
        assert hit.mean() > 0.6
        runs[engine] = np.sort(np.where(hit, np.asarray(sol.replica_flips), 8_001))
    a, b = runs["lists"], runs["bitset"]
    grid = np.union1d(a, b)
    ks = np.max(np.abs(np.searchsorted(a, grid, "right") / a.size - np.searchsorted(b, grid, "right") / b.size))
    assert ks < 1.95 * np.sqrt(2 / replicas), ks  # c(0.001) = 1.95


def test_engine_choice_and_errors():
    small = hnn.random_ksat(jr.key(0), 20, 85, 3)
    assert type(hnn.ProbSAT().prepare(small)).__name__ == "BitsetProblem"
    assert type(hnn.ProbSAT(engine="lists").prepare(small)).__name__ == "FocusedProblem"
    words = -(-hnn.bucket_size(4200) // 32)
    n_big = hnn.BITSET_MAX_BYTES // (8 * words)  # the literal-set table of n_big - 1 variables fits, n_big not
    for n, engine in ((n_big - 1, "BitsetProblem"), (n_big, "FocusedProblem")):
        cnf = hnn.CNF(np.asarray(hnn.random_ksat(jr.key(0), 1000, 4200, 3).clauses), n_vars=n)
        assert type(hnn.WalkSAT().prepare(cnf)).__name__ == engine
    repeated = hnn.CNF(np.array([[1, 1, 2], [-1, 2, 3]]), n_vars=3)  # built directly: variable 1 twice
    assert type(hnn.ProbSAT().prepare(repeated)).__name__ == "FocusedProblem"
    with pytest.raises(ValueError, match="same variable twice"):
        hnn.ProbSAT(engine="bitset").prepare(repeated)
    with pytest.raises(ValueError, match="engine"):
        hnn.ProbSAT(engine="dense")


@pytest.mark.parametrize("engine", ["lists", "bitset"])
def test_flips_per_step_is_the_same_stream(engine, cnf_data):
    """Several flips per step run the same flips as as many one-flip steps (the replicas' lanes carry the stream)."""
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")
    one, three = hnn.ProbSAT(engine=engine), hnn.ProbSAT(flips_per_step=3, engine=engine)
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
