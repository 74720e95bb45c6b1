"""The update pass: stochastic pulse trains, coincidence counts, update management, bad input."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from analogsim import devices, insitu

X = jnp.array([1.0, -0.5, 0.4, 0.0, 0.7])
D = jnp.array([0.3, -1.0, 0.5, 0.6])
LR, DW = 0.1, 0.01


MODES = ["bit_trains", "binomial"]
N_DRAWS = 50_000
"""Draws per mode: the relative standard error of a variance is sqrt(2 / N_DRAWS) = 0.6 %, a third of the 2 %
tolerance."""


@pytest.fixture(scope="module")
def draws():
    """`N_DRAWS` draws of one sample's counts per mode, with fixed keys (per-cell means 1.2 to 10)."""
    out = {}
    for i, mode in enumerate(MODES):
        rule = insitu.PulseUpdate(mode=mode)
        f = jax.jit(jax.vmap(lambda k, rule=rule: rule.coincidences(X, D, LR, DW, key=k)))
        out[mode] = np.asarray(f(jr.split(jr.key(100 + i), N_DRAWS)), np.float64)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_per_cell_mean_and_variance_match_the_binomial_law(draws, mode):
    rule = insitu.PulseUpdate(mode=mode)
    n = draws[mode]
    p, q, bl = rule.probabilities(X, D, LR, DW)
    prob = np.outer(np.asarray(q), np.asarray(p))
    mean, var = int(bl) * prob, int(bl) * prob * (1 - prob)
    live = (prob > 0) & (prob < 1)
    sign = -np.outer(np.sign(D), np.sign(X))
    np.testing.assert_allclose((n * sign).mean(0)[live], mean[live], rtol=0.02)
    np.testing.assert_allclose(n.var(0)[live], var[live], rtol=0.02)
    # The expected update is the gradient step: E[n] dw_min = -lr d x^T (no clipping here).
    np.testing.assert_allclose(n.mean(0) * DW, -LR * np.outer(D, X), atol=3e-3)


def test_fast_path_matches_bit_trains(draws):
    exact, fast = draws["bit_trains"], draws["binomial"]
    live = exact.var(0) > 0
    np.testing.assert_allclose(fast.mean(0)[live], exact.mean(0)[live], rtol=0.02)
    np.testing.assert_allclose(fast.var(0)[live], exact.var(0)[live], rtol=0.02)


XB = jr.normal(jr.key(7), (8, 5))
DB = 0.3 * jr.normal(jr.key(8), (8, 4))


def test_batch_count_moments_by_hand():
    # lr = BL dw_min and |x| = |d| = 1: every slot of every sample fires, no variance; two samples of opposite sign.
    x, d = jnp.array([[1.0, -1.0], [1.0, 1.0]]), jnp.array([[1.0], [1.0]])
    n_up, var_up, n_down, var_down = insitu.PulseUpdate(bl=31).count_moments(x, d, 31 * DW, DW)
    np.testing.assert_allclose(n_up, [[0.0, 31.0]], atol=1e-5)
    np.testing.assert_allclose(n_down, [[62.0, 31.0]], atol=1e-5)
    np.testing.assert_allclose(var_up + var_down, 0.0, atol=1e-4)


@pytest.mark.slow
def test_batch_count_moments_match_summed_bit_trains():
    # The fast path's per-cell up and down counts of a whole batch: mean and variance of the bit-train sums.
    rule = insitu.PulseUpdate()

    def sums(k):
        n = jax.vmap(lambda x, d, kb: rule.coincidences(x, d, 0.02, 0.001, key=kb))(XB, DB, jr.split(k, 8))
        return jnp.maximum(n, 0).sum(0), jnp.maximum(-n, 0).sum(0)

    up, down = (np.asarray(a, np.float64) for a in jax.jit(jax.vmap(sums))(jr.split(jr.key(9), 20_000)))
    n_up, var_up, n_down, var_down = (np.asarray(a) for a in rule.count_moments(XB, DB, 0.02, 0.001))
    for draw, mean, var in [(up, n_up, var_up), (down, n_down, var_down)]:
        np.testing.assert_allclose(draw.mean(0), mean, rtol=0.02)
        np.testing.assert_allclose(draw.var(0), var, rtol=0.03)  # 20,000 draws: standard error 1 %


@pytest.mark.slow
def test_batch_fast_path_weights_match_pulse_by_pulse():
    # A batch applied at once (closed form, ups and downs interleaved) against the samples applied one by one,
    # each pulse by pulse, in a random sample order per draw, on an asymmetric soft-bounds device with spreads.
    dev = devices.SoftBounds(dw_min=0.001, dw_min_std=0.3, dw_min_dtod=0.3, w_min=-1.0, w_max=1.0, up_down=0.2)
    c0 = dev.init((4, 5), key=jr.key(10))
    c0 = dev.pulse(c0, jnp.full((4, 5), 300, jnp.int32), key=jr.key(11))

    def run(mode, k):
        kp, k = jr.split(k)
        perm = jr.permutation(kp, 8)
        return insitu.pulse_batch(dev, insitu.PulseUpdate(mode=mode), c0, XB[perm], DB[perm], 0.02, 0.0, key=k)[0].w

    keys = jr.split(jr.key(12), 5000)
    ref, fast = (np.asarray(jax.jit(jax.vmap(lambda k, m=m: run(m, k)))(keys)) - np.asarray(c0.w)
                 for m in ("bit_trains", "moments"))
    # Means within 0.2 device steps (second-order effects of the pulse order, and 3 standard errors of 5000 draws);
    # spreads within 7 % (measured <= 5.9 %: the reference's random sample order adds a spread the closed form's
    # average order leaves out; the delta method is first order; 1 % standard error).
    np.testing.assert_allclose(fast.mean(0), ref.mean(0), atol=0.2 * 0.001)
    np.testing.assert_allclose(fast.std(0), ref.std(0), rtol=0.07)


def test_counts_by_hand(getkey):
    # lr = BL dw_min and |x| = |d| = 1 make every slot fire: exactly BL pulses, against the gradient's sign.
    rule = insitu.PulseUpdate(bl=31)
    n = rule.coincidences(jnp.array([1.0, 0.0, -1.0]), jnp.array([1.0, -1.0]), 31 * DW, DW, key=getkey())
    np.testing.assert_array_equal(n, [[-31, 0, 31], [31, 0, -31]])
    # Nothing to do: no pulses.
    zero = rule.coincidences(jnp.zeros(3), jnp.array([1.0, -1.0]), LR, DW, key=getkey())
    np.testing.assert_array_equal(zero, 0)


def test_update_management_clips_instead_of_overflowing(getkey):
    # k = lr x_max d_max / dw_min = 0.3 * 10 * 10 / 0.01 = 3000 > BL: the largest cell fires on every slot.
    rule = insitu.PulseUpdate(bl=31)
    x, d = jnp.array([10.0, 1.0]), jnp.array([10.0])
    p, q, bl = rule.probabilities(x, d, 0.3, DW)
    assert int(bl) == 31
    np.testing.assert_allclose([float(p[0]), float(q[0])], [1.0, 1.0], rtol=1e-6)
    n = rule.coincidences(x, d, 0.3, DW, key=getkey())
    assert int(n[0, 0]) == -31


def test_bit_length_management_uses_short_trains():
    rule = insitu.PulseUpdate(bl=31)
    _, _, bl = rule.probabilities(jnp.array([1.0]), jnp.array([0.05]), 0.1, DW)  # k = 0.5 -> 1 slot
    assert int(bl) == 1
    _, _, bl = insitu.PulseUpdate(bl=31, bl_management=False).probabilities(jnp.array([1.0]), jnp.array([0.05]),
                                                                             0.1, DW)
    assert int(bl) == 31


@pytest.mark.parametrize("bl", [0, -1, 2.5])
def test_bad_train_length_raises(bl):
    with pytest.raises(ValueError, match="BL"):
        insitu.PulseUpdate(bl=bl)


def test_bad_mode_and_learning_rate_raise(getkey):
    with pytest.raises(ValueError, match="mode"):
        insitu.PulseUpdate(mode="fast")
    with pytest.raises(ValueError, match="more than the pulse train length"):
        insitu.PulseUpdate(bl=31).check_lr(0.5, 0.01)
    with pytest.raises(ValueError, match="one sample"):
        insitu.PulseUpdate().coincidences(jnp.ones((2, 3)), jnp.ones((2, 4)), LR, DW, key=getkey())
