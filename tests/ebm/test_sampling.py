import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
import ebm

# Fixed random models of <= 16 spins (1024 joint states each). With 2**20 samples the sampling floor of the TV
# distance (a perfect sampler's TV to the exact table) is about 0.01 for these models.
N_CHAINS, N_SAMPLES = 2048, 512


def _ising():
    return ebm.BoltzmannMachine.random(
        10, key=jr.key(11), edge_prob=0.5, coupling_std=0.6, bias_std=0.3, spin=True
    )


def _rbm():
    k1, k2, k3 = jr.split(jr.key(12), 3)
    return ebm.RBM(W=0.8 * jr.normal(k1, (6, 4)), a=0.3 * jr.normal(k2, (6,)), b=0.3 * jr.normal(k3, (4,)))


def _tv(model, samples):
    return float(
        ebm.total_variation(
            ebm.exact_probabilities(model), ebm.empirical_distribution(samples, spin=model.spin)
        )
    )


@pytest.mark.parametrize("make", [_ising, _rbm], ids=["ising10", "rbm6x4"])
def test_gibbs_tv_below_target(make):
    m = make()
    s = ebm.sample(m, key=jr.key(0), n_chains=N_CHAINS, n_samples=N_SAMPLES, burn_in=20, thin=1)
    assert s.samples.shape == (N_SAMPLES, N_CHAINS, m.n_units)
    assert _tv(m, s.samples) < 0.02


@pytest.mark.parametrize(
    "make", [pytest.param(_ising, marks=pytest.mark.slow), _rbm], ids=["ising10", "rbm6x4"]
)
def test_parallel_tempering_tv_below_target(make):
    m = make()
    s = ebm.sample_pt(
        m,
        key=jr.key(1),
        betas=ebm.geometric_betas(3, 0.4),
        n_chains=N_CHAINS // 2,
        n_samples=N_SAMPLES,
        burn_in=20,
    )
    assert _tv(m, s.samples) < 0.02
    # PT's stationary law is the product of the tempered distributions, so each neighbour swap is accepted with
    # probability E_{x ~ p_b, y ~ p_b'} min(1, exp((b - b')(E(x) - E(y)))), computed here by enumeration
    betas = np.asarray(ebm.geometric_betas(3, 0.4))
    E = np.asarray(jax.vmap(m.energy)(ebm.all_states(m.n_units, spin=m.spin)), np.float64)
    want = []
    for b, b2 in zip(betas[:-1], betas[1:], strict=True):
        p, p2 = (np.asarray(ebm.exact_probabilities(m, beta=float(x)), np.float64) for x in (b, b2))
        accept = np.minimum(1.0, np.exp((b - b2) * (E[:, None] - E[None, :])))
        want.append(p @ accept @ p2)
    np.testing.assert_allclose(np.asarray(s.swap_rate), want, atol=0.01)


@pytest.mark.parametrize(
    "make", [pytest.param(_ising, marks=pytest.mark.slow), _rbm], ids=["ising10", "rbm6x4"]
)
def test_ideal_pbit_sampler_tv_below_target_and_equals_gibbs_fields(make):
    m = make()
    mach = ebm.pbit_machine(m, asim.CrossbarConfig.ideal())
    s = ebm.sample_pbit(mach, key=jr.key(2), n_chains=N_CHAINS, n_samples=N_SAMPLES // 2, burn_in=20)
    assert _tv(m, s.samples) < 0.02
    # ideal hardware: the analog fields equal the model's exact fields
    x = ebm.random_states(m, 16, key=jr.key(3))
    for c, block in enumerate(m.blocks):
        exact = np.stack([np.asarray(m.field(xi, block)) for xi in x])
        np.testing.assert_allclose(mach.fields(x, c, block, None), exact, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_pbit_tv_grows_with_hardware_noise():
    m = _rbm()
    cfgs = [
        asim.CrossbarConfig(
            device=asim.devices.Ideal(),
            dac=asim.DAC(bits=None, bound=None),
            adc=asim.ADC(bits=None, bound=None, noise_std=sd),
        )
        for sd in (0.0, 1.0)
    ]
    tv = ebm.pbit_tv_sweep(m, cfgs, key=jr.key(4), n_chains=512, n_samples=128)
    # 65k samples: the ideal sampler's TV is at its sampling floor (~0.03); ADC noise of 1.0 shifts the fields
    assert tv[0] < 0.045 and tv[1] > tv[0] + 0.03, tv


def test_sampler_is_deterministic_jits_once_and_continues(count_compiles):
    m = _ising()
    a = ebm.sample(m, key=jr.key(5), n_chains=8, n_samples=4, burn_in=3)
    k5, k6 = jr.key(5), jr.key(6)
    with count_compiles() as compiles:  # no recompilation on the second call, nor for another key
        b = ebm.sample(m, key=k5, n_chains=8, n_samples=4, burn_in=3)
        c = ebm.sample(m, key=k6, n_chains=8, n_samples=4, burn_in=3)
    assert compiles.count == 0
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    d = ebm.sample(m, key=jr.key(7), n_chains=8, n_samples=2, burn_in=0, init=a.final)
    assert d.samples.shape == (2, 8, 10)
    assert set(np.unique(np.asarray(d.samples))) <= {-1.0, 1.0}


def test_sweep_loop_equals_sampler():
    """The jitted sampler equals a Python loop of gibbs_sweep with the same key schedule."""
    m = _rbm()
    key = jr.key(8)
    s = ebm.sample(m, key=key, n_chains=4, n_samples=3, burn_in=2, thin=2)
    init_key, run_key = jr.split(key)
    x = ebm.random_states(m, 4, key=init_key)
    outs = []
    for t in range(2 + 3 * 2):
        x = ebm.gibbs_sweep(m, x, 1.0, jr.fold_in(run_key, t))
        if t >= 2 and (t - 2) % 2 == 1:
            outs.append(x)
    np.testing.assert_array_equal(s.samples, jnp.stack(outs))


def test_sampler_errors():
    m = _ising()
    with pytest.raises(ValueError, match="pass key"):
        ebm.sample(m, key=None)
    with pytest.raises(ValueError, match="n_samples"):
        ebm.sample(m, key=jr.key(0), n_samples=0)
    with pytest.raises(ValueError, match="strictly decreasing"):
        ebm.sample_pt(m, key=jr.key(0), betas=jnp.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="spins"):
        ebm.sample(m, key=jr.key(0), init=jnp.zeros((4, 10)) + 0.5)
    with pytest.raises(ValueError, match="non-multilinear"):
        ebm.sample(ebm.ModernHopfield(jnp.ones((2, 4))), key=jr.key(0))
    with pytest.raises(ValueError, match="pairwise models"):
        import hnn

        ebm.pbit_machine(
            ebm.FactorBoltzmannMachine(hnn.CNF.from_clauses([[1, 2]])), asim.CrossbarConfig.ideal()
        )


_SHARD_SCRIPT = textwrap.dedent(
    """
    import jax, jax.random as jr, numpy as np, ebm
    assert len(jax.devices()) == 4, jax.devices()
    m = ebm.BoltzmannMachine.lattice(8)
    x0 = ebm.random_states(m, 64, key=jr.key(0))
    xs = ebm.shard_chains(x0)
    assert len(xs.sharding.device_set) == 4
    a = ebm.sample(m, key=jr.key(1), init=xs, n_samples=3, burn_in=5)
    b = ebm.sample(m, key=jr.key(1), init=x0, n_samples=3, burn_in=5)
    assert len(a.final.sharding.device_set) == 4, a.final.sharding
    np.testing.assert_array_equal(np.asarray(a.samples), np.asarray(b.samples))
    try:
        ebm.shard_chains(x0[:6])
    except ValueError as e:
        assert "evenly" in str(e)
    else:
        raise AssertionError("no error")
    # AIS with its chains split over the 4 devices: the same weights chain by chain
    one = ebm.ais_log_partition(m, key=jr.key(2), n_chains=32, n_betas=20)
    four = ebm.ais_log_partition(m, key=jr.key(2), n_chains=32, n_betas=20, devices=jax.devices())
    np.testing.assert_array_equal(np.asarray(one.log_weights), np.asarray(four.log_weights))
    np.testing.assert_allclose(float(one.log_z), float(four.log_z), rtol=1e-6)
    try:
        ebm.ais_log_partition(m, key=jr.key(2), n_chains=30, devices=jax.devices())
    except ValueError as e:
        assert "divides n_chains" in str(e)
    else:
        raise AssertionError("no error")
    print("OK")
    """
)


def test_sharded_chains_match_unsharded_in_subprocess():
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=4")
    r = subprocess.run(
        [sys.executable, "-c", _SHARD_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-2000:]
