import itertools

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import hnn


def enumerate_min_over_aux(cnf, qubo):
    xs = np.array(list(itertools.product([0, 1], repeat=qubo.n_vars)), np.float32)
    eq = np.asarray(hnn.qubo_energy(qubo, xs))
    n = cnf.n_vars
    orig = xs[:, :n].astype(bool)
    codes = orig @ (1 << np.arange(n))
    best = np.full(1 << n, np.inf)
    np.minimum.at(best, codes, eq)
    all_x = np.array(list(itertools.product([0, 1], repeat=n)), bool)
    return best[all_x @ (1 << np.arange(n))], np.asarray(hnn.energy(cnf, all_x))


@pytest.mark.parametrize("k, n, m, penalty", [(3, 5, 5, 2.0), (3, 4, 6, 1.0), (4, 5, 3, 2.0), (5, 5, 2, 2.0)])
def test_rosenberg_same_minimizers(k, n, m, penalty, getkey):
    cnf = hnn.random_ksat(getkey(), n, m, k)
    qubo = hnn.rosenberg(cnf, penalty=penalty)
    assert qubo.n_original == n and qubo.n_aux == m * (k - 2)
    min_q, e = enumerate_min_over_aux(cnf, qubo)
    np.testing.assert_allclose(min_q, e, atol=1e-5)  # min over auxiliaries is the clause count
    global_min = min_q.min()
    np.testing.assert_array_equal(min_q == global_min, e == e.min())


def test_rosenberg_mixed_sizes_and_dense_form(getkey):
    cnf = hnn.CNF.from_clauses([[1], [-2, 3], [1, -3, 4], []], n_vars=4)
    qubo = hnn.rosenberg(cnf)
    min_q, e = enumerate_min_over_aux(cnf, qubo)
    np.testing.assert_allclose(min_q, e, atol=1e-5)
    w, b, c = qubo.to_dense()
    s = jr.bernoulli(getkey(), 0.5, (6, qubo.n_vars)).astype(jnp.float32)
    dense = c + s @ b + 0.5 * jnp.einsum("ri,ij,rj->r", s, w, s)
    np.testing.assert_allclose(dense, hnn.qubo_energy(qubo, s), atol=1e-5)


def test_rosenberg_penalty_error():
    with pytest.raises(ValueError, match="penalty"):
        hnn.rosenberg(hnn.CNF.from_clauses([[1, 2, 3]]), penalty=0.5)


def test_qubo_step_cost_prices_the_coupling_array(getkey):
    cnf = hnn.random_ksat(getkey(), 20, 85, 3)
    qubo = hnn.rosenberg(cnf)
    (mvm,) = hnn.qubo_step_mvms(cnf, replicas=4)
    assert mvm.shape == (qubo.n_vars, qubo.n_vars) and mvm.batch == 4
    w, _, _ = qubo.to_dense()
    max_field = int(np.abs(np.asarray(w)).sum(axis=1).max())
    assert 2**mvm.adc_bits >= max_field + 1  # one ADC level per unit of local field
    one, four = hnn.qubo_step_cost(cnf), hnn.qubo_step_cost(cnf, replicas=4)
    assert one.total_j > 0 and np.isclose(four.total_j, 4 * one.total_j)
