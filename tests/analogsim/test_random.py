import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.special
import scipy.stats

import analogsim.random as arandom


def test_normal_moments_and_ks():
    z = np.asarray(arandom.normal(jr.key(0), (400_000,)), np.float64)
    assert abs(z.mean()) < 5 * 1 / np.sqrt(z.size)
    assert abs(z.std() - 1) < 0.005
    assert abs(scipy.stats.skew(z)) < 0.02
    assert abs(scipy.stats.kurtosis(z)) < 0.04
    assert scipy.stats.kstest(z[:50_000], "norm").pvalue > 1e-3
    assert np.abs(z).max() < 5.4  # documented truncation


def test_moment_normal_moments_distribution_and_tail_cut():
    # the documented moments: mean 0, variance 1, fourth moment 2.997; distribution function within 1.8e-3 of the
    # normal's plus sampling noise (KS statistic: ~1.4 / sqrt(n) at p = 0.04); |z| <= 4.44
    z = np.asarray(arandom.moment_normal(jr.key(5), (1_000_000,)), np.float64)
    assert abs(z.mean()) < 5 / np.sqrt(z.size)
    assert abs(z.var() - 1) < 0.005
    assert abs(np.mean(z**4) - 2.997) < 0.03 and abs(scipy.stats.skew(z)) < 0.01
    assert scipy.stats.kstest(z, "norm").statistic < 1.8e-3 + 1.4 / np.sqrt(z.size)
    assert np.abs(z).max() <= 4.45
    assert jnp.array_equal(arandom.moment_normal(jr.key(5), (10,)), arandom.moment_normal(jr.key(5), (10,)))


def test_uniform_range_and_ks():
    u = np.asarray(arandom.uniform(jr.key(1), (100_000,)))
    assert u.min() > 0 and u.max() < 1
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-3


def test_deterministic_and_key_dependent():
    a = arandom.normal(jr.key(3), (1000,))
    b = arandom.normal(jr.key(3), (1000,))
    c = arandom.normal(jr.key(4), (1000,))
    assert jnp.array_equal(a, b)
    assert not jnp.array_equal(a, c)
    # Streams of different keys and neighbouring elements are uncorrelated.
    a, c = (
        np.asarray(arandom.normal(jr.key(3), (200_000,))),
        np.asarray(arandom.normal(jr.key(4), (200_000,))),
    )
    assert abs(np.corrcoef(a, c)[0, 1]) < 0.01
    assert abs(np.corrcoef(a[1:], a[:-1])[0, 1]) < 0.01
    # fold_in keys (used for the two cells of a differential pair) are independent too.
    d = np.asarray(arandom.normal(jr.fold_in(jr.key(3), 1), (200_000,)))
    assert abs(np.corrcoef(a, d)[0, 1]) < 0.01


def test_shape_and_raw_keys():
    z = arandom.normal(jr.PRNGKey(0), (3, 4, 5))
    assert z.shape == (3, 4, 5) and z.dtype == jnp.float32
    assert arandom.normal(jr.key(0), ()).shape == ()


def test_too_many_numbers_raises():
    with pytest.raises(ValueError, match="2\\*\\*32"):
        arandom.bits(jr.key(0), (2**16, 2**16))


def test_polynomial_log_and_erfinv_accuracy():
    y = np.concatenate([np.geomspace(2.0**-126, 1.0, 100_000), np.linspace(1e-3, 1.0, 100_000)]).astype(
        np.float32
    )
    got = np.asarray(jax.jit(arandom.fast_log)(jnp.asarray(y)), np.float64)
    ref = np.log(y.astype(np.float64))
    assert np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1.0)) < 3e-7
    x = np.linspace(-0.9999999, 0.9999999, 100_001).astype(np.float32)
    got = np.asarray(jax.jit(arandom.fast_erfinv)(jnp.asarray(x)), np.float64)
    assert np.max(np.abs(got - scipy.special.erfinv(x.astype(np.float64)))) < 1e-6
