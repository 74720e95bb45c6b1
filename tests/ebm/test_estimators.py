import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import ebm


def _brute_log_z(m):
    x = ebm.all_states(m.n_units, spin=m.spin)
    return float(jax.nn.logsumexp(-jax.vmap(m.energy)(x)))


def test_exact_log_partition_matches_brute_force(getkey):
    rbm = ebm.RBM(W=jr.normal(getkey(), (5, 3)), a=jr.normal(getkey(), (5,)), b=jr.normal(getkey(), (3,)))
    assert float(ebm.exact_log_partition(rbm)) == pytest.approx(_brute_log_z(rbm), abs=1e-4)
    rbm_t = ebm.RBM(W=rbm.W.T, a=rbm.b, b=rbm.a)  # hidden layer larger: enumerates the visible layer
    assert float(ebm.exact_log_partition(rbm_t)) == pytest.approx(_brute_log_z(rbm), abs=1e-4)
    ising = ebm.BoltzmannMachine.random(9, key=getkey(), edge_prob=0.5, spin=True)
    assert float(ebm.exact_log_partition(ising)) == pytest.approx(_brute_log_z(ising), abs=1e-4)
    # beta scaling and a hand-computed case: two independent spins with fields h: Z = prod 2 cosh(beta h)
    free = ebm.BoltzmannMachine(2, np.zeros((0, 2)), jnp.zeros(0), jnp.array([0.3, -1.2]), spin=True)
    want = np.log(2 * np.cosh(0.5 * 0.3)) + np.log(2 * np.cosh(0.5 * 1.2))
    assert float(ebm.exact_log_partition(free, beta=0.5)) == pytest.approx(want, abs=1e-6)


def test_exact_log_partition_chunked_path(getkey):
    """Above 2**16 states the enumeration runs in chunks. An 18-unit Boltzmann machine on a bipartite graph is an
    RBM; the RBM path sums 2**2 terms in one chunk, the generic path 2**18 terms in 4 chunks."""
    nv, nh = 2, 16
    W = 0.4 * jr.normal(getkey(), (nv, nh))
    a, b = 0.3 * jr.normal(getkey(), (nv,)), 0.3 * jr.normal(getkey(), (nh,))
    rbm = ebm.RBM(W=W, a=a, b=b)
    i, j = np.meshgrid(np.arange(nv), np.arange(nh), indexing="ij")
    bm = ebm.BoltzmannMachine(
        nv + nh, np.stack([i.ravel(), nv + j.ravel()], 1), W.ravel(), jnp.concatenate([a, b])
    )
    assert float(ebm.exact_log_partition(bm)) == pytest.approx(float(ebm.exact_log_partition(rbm)), abs=1e-4)
    # independent units: log Z = sum softplus(b)
    free = ebm.BoltzmannMachine(18, np.zeros((0, 2)), jnp.zeros(0), jnp.linspace(-1, 1, 18))
    want = float(jnp.sum(jax.nn.softplus(jnp.linspace(-1, 1, 18))))
    assert float(ebm.exact_log_partition(free)) == pytest.approx(want, abs=1e-4)


def test_enumeration_refuses_large_models(getkey):
    big = ebm.RBM.init(40, 30, key=getkey())
    with pytest.raises(ValueError, match="smaller RBM layer has 30 units"):
        ebm.exact_log_partition(big)
    with pytest.raises(ValueError, match="model has 30 units"):
        ebm.exact_log_partition(ebm.BoltzmannMachine.random(30, key=getkey(), edge_prob=0.1))
    with pytest.raises(ValueError, match="at most 2\\*\\*20"):
        ebm.exact_probabilities(ebm.BoltzmannMachine.random(21, key=getkey(), edge_prob=0.1))
    with pytest.raises(ValueError, match="continuous"):
        ebm.exact_log_partition(ebm.ModernHopfield(jnp.ones((2, 3))))
    assert not ebm.can_enumerate(big) and ebm.can_enumerate(ebm.RBM.init(100, 20, key=getkey()))


def test_ais_64x20_rbm_within_005_nats_under_10s():
    k1, k2, k3 = jr.split(jr.key(20), 3)
    rbm = ebm.RBM(W=0.3 * jr.normal(k1, (64, 20)), a=0.5 * jr.normal(k2, (64,)), b=0.3 * jr.normal(k3, (20,)))
    exact = float(ebm.exact_log_partition(rbm))
    t0 = time.perf_counter()
    res = ebm.ais_log_partition(rbm, key=jr.key(21), n_chains=500, n_betas=2000)
    jax.block_until_ready(res.log_z)
    elapsed = time.perf_counter() - t0  # reported, not asserted: wall-clock time depends on the machine load
    assert abs(float(res.log_z) - exact) < 0.05, (float(res.log_z), exact, elapsed)
    assert 0 < float(res.stderr) < 0.05
    assert res.log_weights.shape == (500,)


@pytest.mark.slow
def test_ais_generic_model_and_base_rate(getkey):
    ising = ebm.BoltzmannMachine.random(12, key=jr.key(22), edge_prob=0.4, coupling_std=0.5, spin=True)
    res = ebm.ais_log_partition(ising, key=jr.key(23), n_chains=200, n_betas=300)
    assert abs(float(res.log_z) - float(ebm.exact_log_partition(ising))) < max(0.05, 4 * float(res.stderr))
    rbm = ebm.RBM(W=0.5 * jr.normal(jr.key(24), (16, 8)), a=jnp.full(16, -1.0), b=jnp.zeros(8))
    base = jax.nn.sigmoid(rbm.a)
    r = ebm.ais_log_partition(rbm, key=jr.key(25), n_chains=200, n_betas=300, base_visible_mean=base)
    assert abs(float(r.log_z) - float(ebm.exact_log_partition(rbm))) < 0.05
    with pytest.raises(ValueError, match="pass key"):
        ebm.ais_log_partition(rbm, key=None)
    with pytest.raises(ValueError, match="from exactly 0 to exactly 1"):
        ebm.ais_log_partition(rbm, key=jr.key(0), betas=jnp.linspace(0.1, 1.0, 5))


def test_exact_log_likelihood_by_hand():
    # one visible unit, one hidden: enumerate the 4 joint states by hand
    rbm = ebm.RBM(W=jnp.array([[0.7]]), a=jnp.array([0.2]), b=jnp.array([-0.4]))
    z = 1 + np.exp(-0.4) + np.exp(0.2) + np.exp(0.7 + 0.2 - 0.4)
    p1 = (np.exp(0.2) + np.exp(0.5)) / z
    ll = ebm.exact_log_likelihood(rbm, jnp.array([[1.0], [0.0]]))
    assert float(ll) == pytest.approx(0.5 * (np.log(p1) + np.log(1 - p1)), abs=1e-6)
    with pytest.raises(ValueError, match="binary"):
        ebm.exact_log_likelihood(rbm, jnp.array([[0.5]]))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 1\)"):
        ebm.exact_log_likelihood(rbm, jnp.array([[1.0, 0.0]]))


def test_non_finite_parameters_raise_instead_of_a_nan_likelihood():
    k1, k2 = jr.split(jr.key(70))
    good = ebm.RBM(W=0.3 * jr.normal(k1, (5, 3)), a=jnp.zeros(5), b=0.1 * jr.normal(k2, (3,)))
    data = jnp.array([[1.0, 0.0, 1.0, 0.0, 1.0]])
    assert np.isfinite(float(ebm.log_likelihood(good, data)))
    for bad in (
        eqx.tree_at(lambda r: r.W, good, good.W.at[1, 2].set(jnp.nan)),
        eqx.tree_at(lambda r: r.b, good, good.b.at[0].set(jnp.inf)),
    ):
        with pytest.raises(ValueError, match=r"ebm.exact_log_partition: .*not all finite.*\.(W|b)"):
            ebm.log_likelihood(bad, data)
        with pytest.raises(ValueError, match="ebm.exact_probabilities: .*not all finite"):
            ebm.exact_probabilities(bad)
        with pytest.raises(ValueError, match="ebm.ais_log_partition: .*not all finite"):
            ebm.log_likelihood(bad, data, key=jr.key(0), method="ais", n_chains=4, n_betas=3)
        # under jit the same message, raised when the value is computed
        with pytest.raises(Exception, match="ebm.exact_log_partition: .*not all finite"):
            jax.block_until_ready(eqx.filter_jit(ebm.exact_log_likelihood)(bad, data))
        with pytest.raises(Exception, match="ebm.ais_log_partition: .*not all finite"):
            f = eqx.filter_jit(lambda m, k: ebm.ais_log_partition(m, key=k, n_chains=4, n_betas=3).log_z)
            jax.block_until_ready(f(bad, jr.key(0)))
    # the checks pass gradients through
    g = jax.grad(lambda m: ebm.exact_log_likelihood(m, data))(good)
    assert np.all(np.isfinite(np.asarray(g.W)))
