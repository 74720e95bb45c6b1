import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import ebm
import hnn


def _brute_conditional(model, x, i):
    hi, lo = x.at[i].set(1.0), x.at[i].set(model.low)
    return jax.nn.sigmoid(model.energy(lo) - model.energy(hi))


def test_rbm_energy_and_free_energy_by_hand():
    W = jnp.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    rbm = ebm.RBM(W=W, a=jnp.array([0.1, -0.2, 0.3]), b=jnp.array([-1.0, 2.0]))
    v, h = jnp.array([1.0, 0.0, 1.0]), jnp.array([1.0, 1.0])
    # -v^T W h = -(1 - 2 + 0 + 3) = -2 ; -a.v = -0.4 ; -b.h = -1
    assert float(rbm.energy(jnp.concatenate([v, h]))) == pytest.approx(-3.4, abs=1e-6)
    F = -0.4 - np.log1p(np.exp(-1.0 + 1.0)) - np.log1p(np.exp(2.0 + 1.0))
    assert float(rbm.free_energy(v)) == pytest.approx(F, abs=1e-5)
    brute = -np.log(
        sum(
            np.exp(-float(rbm.energy(jnp.concatenate([v, jnp.array(hh)]))))
            for hh in itertools.product([0.0, 1.0], repeat=2)
        )
    )
    assert float(rbm.free_energy(v)) == pytest.approx(brute, abs=1e-5)


def test_ising_energy_by_hand_and_dense_agrees():
    bm = ebm.BoltzmannMachine(3, [(0, 1), (1, 2)], [1.0, -0.5], [0.2, 0.0, -0.1], spin=True)
    s = jnp.array([1.0, -1.0, -1.0])
    # -(1*1*-1 + -0.5*-1*-1) - (0.2*1 + 0 + -0.1*-1) = -(-1 - 0.5) - 0.3 = 1.2
    assert float(bm.energy(s)) == pytest.approx(1.2, abs=1e-6)
    J = bm.dense_couplings()
    assert float(-0.5 * s @ J @ s - bm.bias @ s) == pytest.approx(1.2, abs=1e-6)
    bm2 = ebm.BoltzmannMachine.from_dense(np.asarray(J), bm.bias, spin=True)
    assert float(bm2.energy(s)) == pytest.approx(1.2, abs=1e-6)


@pytest.mark.parametrize(
    "kind",
    [
        "rbm",
        pytest.param("bm01", marks=pytest.mark.slow),
        "ising",
        pytest.param("factor", marks=pytest.mark.slow),
        "hopfield",
    ],
)
def test_conditionals_match_enumeration(kind, getkey):
    if kind == "rbm":
        m = ebm.RBM(W=jr.normal(getkey(), (4, 3)), a=jr.normal(getkey(), (4,)), b=jr.normal(getkey(), (3,)))
    elif kind == "bm01":
        m = ebm.BoltzmannMachine.random(7, key=getkey(), edge_prob=0.6)
    elif kind == "ising":
        m = ebm.BoltzmannMachine.random(7, key=getkey(), edge_prob=0.6, spin=True)
    elif kind == "factor":
        cnf = hnn.random_ksat(getkey(), 7, 10, 3)
        m = ebm.FactorBoltzmannMachine(cnf, jr.uniform(getkey(), (10,)) * 2, jr.normal(getkey(), (7,)))
    else:
        m = ebm.Hopfield.hebbian(jnp.sign(jr.normal(getkey(), (2, 7))) + 0.0)
    # conditionals from the model's fields vs ratios of enumerated joint probabilities, for every state and unit
    p = ebm.exact_probabilities(m)
    states = ebm.all_states(m.n_units, spin=m.spin)
    for block in m.blocks:
        got = jax.nn.sigmoid(jax.vmap(lambda x, b=block: m.field(x, b))(states))
        for j, i in enumerate(block):
            hi = ebm.state_index(states.at[:, i].set(1.0), spin=m.spin)
            lo = ebm.state_index(states.at[:, i].set(m.low), spin=m.spin)
            np.testing.assert_allclose(got[:, j], p[hi] / (p[hi] + p[lo]), atol=2e-5)
    x = states[5]
    i = m.blocks[0][0]
    assert float(jax.nn.sigmoid(m.field(x, m.blocks[0]))[0]) == pytest.approx(
        float(_brute_conditional(m, x, i)), abs=1e-5
    )


def test_blocks_are_proper_colourings(getkey):
    lat = ebm.BoltzmannMachine.lattice(8)
    assert len(lat.blocks) == 2  # checkerboard
    colour = np.zeros(lat.n_units, int)
    for c, b in enumerate(lat.blocks):
        colour[list(b)] = c
    assert ebm.is_proper(colour, np.asarray(lat.edges))
    bm = ebm.BoltzmannMachine.random(30, key=getkey(), edge_prob=0.2)
    colour = np.zeros(30, int)
    for c, b in enumerate(bm.blocks):
        colour[list(b)] = c
    assert ebm.is_proper(colour, np.asarray(bm.edges))
    assert sorted(i for b in bm.blocks for i in b) == list(range(30))
    assert len(ebm.RBM.init(5, 3, key=getkey()).blocks) == 2


def test_factor_bm_shares_hnn_clause_energy(getkey):
    cnf = hnn.random_ksat(getkey(), 9, 30, 4)
    m = ebm.FactorBoltzmannMachine(cnf)
    x = ebm.all_states(9)
    np.testing.assert_allclose(jax.vmap(m.energy)(x), hnn.energy(cnf, x.astype(bool)), atol=0)
    with pytest.raises(ValueError, match="repeats a variable"):
        ebm.FactorBoltzmannMachine(hnn.CNF(jnp.array([[1, -1, 2]]), 2))  # from_clauses would drop the tautology


def test_hopfield_rules_store_and_recall(getkey):
    n = 100
    pats = jnp.sign(jr.normal(getkey(), (5, n))) + 0.0
    for rule in (ebm.Hopfield.hebbian, ebm.Hopfield.storkey):
        hop = rule(pats)
        assert np.allclose(hop.J, hop.J.T, atol=1e-6) and np.allclose(np.diag(hop.J), 0)
        np.testing.assert_array_equal(hop.recall(pats, sweeps=2), pats)  # stored patterns are fixed points
        flip = jr.uniform(getkey(), pats.shape) < 0.15
        noisy = jnp.where(flip, -pats, pats)
        rec = hop.recall(noisy, sweeps=5)
        assert float(jnp.mean(jnp.all(rec == pats, axis=1))) == 1.0
        # zero-temperature dynamics never increase the energy
        assert np.all(np.asarray(jax.vmap(hop.energy)(rec)) <= np.asarray(jax.vmap(hop.energy)(noisy)) + 1e-5)
    # Hebb's rule by hand on one pattern: J = xi xi^T / n off the diagonal
    h = ebm.Hopfield.hebbian(pats[:1])
    np.testing.assert_allclose(h.J, (jnp.outer(pats[0], pats[0]) / n) * (1 - jnp.eye(n)), atol=1e-7)


def test_modern_hopfield_energy_and_recall(getkey):
    pats = jnp.sign(jr.normal(getkey(), (20, 256))) + 0.0
    mh = ebm.ModernHopfield(pats, beta=2.0)
    # energy by hand
    x = pats[3]
    want = -jax.nn.logsumexp(2.0 * pats @ x) / 2.0 + 0.5 * x @ x + np.log(20) / 2.0 + 0.5 * 256
    assert float(mh.energy(x)) == pytest.approx(float(want), rel=1e-5)
    flip = jr.uniform(getkey(), pats.shape) < 0.3
    rec = mh.recall(jnp.where(flip, -pats, pats))
    np.testing.assert_array_equal(rec, pats)
    # the update does not increase the energy (CCCP)
    noisy = jnp.where(flip, -pats, pats)
    assert np.all(
        np.asarray(jax.vmap(mh.energy)(mh.update(noisy))) <= np.asarray(jax.vmap(mh.energy)(noisy)) + 1e-4
    )


def test_models_are_pytrees_under_jit_and_vmap(getkey):
    rbm = ebm.RBM.init(6, 4, key=getkey(), std=0.5)
    x = ebm.all_states(10)
    e_loop = jnp.stack([rbm.energy(xi) for xi in x[:32]])
    e_vmap = jax.vmap(rbm.energy)(x[:32])
    e_jit = eqx.filter_jit(lambda m, x: jax.vmap(m.energy)(x))(rbm, x[:32])
    np.testing.assert_allclose(e_loop, e_vmap, rtol=1e-6)
    np.testing.assert_allclose(e_jit, e_vmap, rtol=1e-6)


def test_bad_inputs_raise_clear_errors(getkey):
    with pytest.raises(ValueError, match="biases must have shapes"):
        ebm.RBM(W=jnp.zeros((3, 2)), a=jnp.zeros(2), b=jnp.zeros(2))
    with pytest.raises(ValueError, match="self-loops"):
        ebm.BoltzmannMachine(3, [(0, 0)], [1.0])
    with pytest.raises(ValueError, match="distinct"):
        ebm.BoltzmannMachine(3, [(0, 1), (1, 0)], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"units 0\.\.2"):
        ebm.BoltzmannMachine(3, [(0, 5)], [1.0])
    with pytest.raises(ValueError, match="one per edge"):
        ebm.BoltzmannMachine(3, [(0, 1)], [1.0, 2.0])
    with pytest.raises(ValueError, match="spins in"):
        ebm.Hopfield.hebbian(jnp.array([[0.0, 1.0]]))
    rbm = ebm.RBM.init(4, 2, key=getkey())
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 6\)"):
        ebm.check_states(rbm, jnp.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"binary in \{0, 1\}"):
        ebm.check_states(rbm, jnp.full((2, 6), 0.5))
    with pytest.raises(ValueError, match="pass key"):
        ebm.RBM.init(4, 2, key=None)
