import itertools

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from hypothesis import given, strategies as st

import hnn

N, M, K = 6, 8, 4  # fixed shapes so that the jitted functions below compile once


@st.composite
def small_cnfs(draw):
    clause = st.lists(st.integers(1, N).flatmap(lambda v: st.sampled_from([v, -v])), min_size=1, max_size=K)
    clauses = draw(st.lists(clause, min_size=M, max_size=M))
    # distinct variables within a clause, as the reader guarantees
    clauses = [list({abs(v): v for v in c}.values()) for c in clauses]
    arr = np.zeros((M, K), np.int32)
    for i, c in enumerate(clauses):
        arr[i, : len(c)] = c
    return hnn.CNF(arr, N), clauses


energy = jax.jit(hnn.energy)
make_break = jax.jit(hnn.make_break)
flip_delta = jax.jit(hnn.flip_delta)


@jax.jit
def grad_and_fd(cnf, x):
    grad = jax.grad(hnn.energy, argnums=1)(cnf, x)
    h = 1e-2  # E is multilinear: central differences are exact up to rounding
    eye = jnp.eye(x.shape[0])
    fd = jax.vmap(lambda e: (hnn.energy(cnf, x + h * e) - hnn.energy(cnf, x - h * e)) / (2 * h))(eye)
    return grad, fd


def brute_unsat(clauses, x):
    return sum(not any((x[abs(v) - 1] if v > 0 else not x[abs(v) - 1]) for v in c) for c in clauses)


def all_assignments(n):
    return np.array(list(itertools.product([False, True], repeat=n)), bool)


@given(small_cnfs())
def test_energy_counts_unsatisfied_clauses(data):
    cnf, clauses = data
    xs = all_assignments(cnf.n_vars)
    expected = np.array([brute_unsat(clauses, x) for x in xs])
    np.testing.assert_array_equal(np.asarray(energy(cnf, xs)), expected)
    np.testing.assert_allclose(np.asarray(energy(cnf, xs.astype(np.float32))), expected, atol=1e-5)
    assert all(hnn.verify(cnf, x) == (e == 0) for x, e in zip(xs, expected, strict=False))


@given(small_cnfs())
def test_make_break_by_enumeration(data):
    cnf, clauses = data
    xs = all_assignments(cnf.n_vars)
    make, brk = (np.asarray(a) for a in make_break(cnf, xs))
    for i, x in enumerate(xs):
        sat = [any((x[abs(v) - 1] if v > 0 else not x[abs(v) - 1]) for v in c) for c in clauses]
        for v in range(cnf.n_vars):
            y = x.copy()
            y[v] = ~y[v]
            sat_y = [any((y[abs(u) - 1] if u > 0 else not y[abs(u) - 1]) for u in c) for c in clauses]
            assert make[i, v] == sum((not a) and b for a, b in zip(sat, sat_y, strict=False))
            assert brk[i, v] == sum(a and (not b) for a, b in zip(sat, sat_y, strict=False))
    np.testing.assert_array_equal(np.asarray(flip_delta(cnf, xs)), brk - make)


@given(small_cnfs(), st.integers(0, 2**30))
def test_gradient_matches_finite_differences(data, seed):
    cnf, _ = data
    x = jr.uniform(jr.key(seed), (cnf.n_vars,), minval=0.05, maxval=0.95)
    grad, fd = grad_and_fd(cnf, x)
    np.testing.assert_allclose(grad, fd, atol=2e-3)


def test_gradient_gives_flip_gain(getkey):
    cnf = hnn.random_ksat(getkey(), N, 20, 3)
    x = jr.bernoulli(getkey(), 0.5, (8, N))
    grad = jax.jit(jax.vmap(jax.grad(hnn.energy, argnums=1), in_axes=(None, 0)))(cnf, x.astype(jnp.float32))
    np.testing.assert_allclose((1 - 2 * x) * grad, flip_delta(cnf, x), atol=1e-6)


def test_batch_jit_vmap_loop_agree(getkey):
    cnf = hnn.random_ksat(getkey(), 12, 50, 4)
    xs = jr.bernoulli(getkey(), 0.5, (5, 12))
    batched = hnn.energy(cnf, xs)
    jitted = jax.jit(hnn.energy)(cnf, xs)
    vmapped = jax.vmap(hnn.energy, in_axes=(None, 0))(cnf, xs)
    looped = jnp.stack([energy(cnf, x) for x in xs])
    for other in (jitted, vmapped, looped):
        np.testing.assert_array_equal(batched, other)
    mb = jax.jit(jax.vmap(hnn.make_break, in_axes=(None, 0)))(cnf, xs)
    for a, b in zip(mb, make_break(cnf, xs), strict=False):
        np.testing.assert_array_equal(a, b)


def test_network_passes_match_make_break(getkey):
    for k in (3, 5):
        cnf = hnn.random_ksat(getkey(), 20, 80, k)
        net = hnn.HighOrderNetwork.from_cnf(cnf)
        xs = jr.bernoulli(getkey(), 0.5, (7, 20))
        xn = xs.T.astype(net.count_dtype)

        @jax.jit
        def passes(net, xn):
            n_true = net.forward(xn)
            return (n_true, *net.backward(xn, n_true))

        n_true, make, brk = passes(net, xn)
        np.testing.assert_array_equal(jnp.sum(n_true == 0, axis=0), energy(cnf, xs))
        emake, ebrk = make_break(cnf, xs)
        np.testing.assert_array_equal(make.T, emake)
        np.testing.assert_array_equal(brk.T, ebrk)


@given(
    st.lists(
        st.lists(st.integers(1, 5).flatmap(lambda v: st.sampled_from([v, -v])), min_size=1, max_size=5),
        min_size=1,
        max_size=8,
    )
)
def test_flip_delta_with_repeated_literals_by_brute_force(clauses):
    """Clauses as written, with repeated literals and tautologies, go through `CNF.from_clauses`; `flip_delta` and
    `make_break` then equal the brute-force change of the number of unsatisfied *written* clauses."""
    cnf = hnn.CNF.from_clauses(clauses, n_vars=5)
    xs = all_assignments(5)
    delta = np.asarray(hnn.flip_delta(cnf, xs))
    make, brk = (np.asarray(a) for a in hnn.make_break(cnf, xs))
    for i, x in enumerate(xs):
        for v in range(5):
            y = x.copy()
            y[v] = ~y[v]
            assert delta[i, v] == brute_unsat(clauses, y) - brute_unsat(clauses, x)
            assert brk[i, v] - make[i, v] == delta[i, v]


def test_energy_shape_error():
    cnf = hnn.CNF.from_clauses([[1, 2]])
    with pytest.raises(ValueError, match="n_vars"):
        hnn.energy(cnf, jnp.zeros(3))
