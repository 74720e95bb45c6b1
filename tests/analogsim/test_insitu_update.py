"""The update pass: stochastic pulse trains, coincidence counts, update management, bad input."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from analogsim import insitu

X = jnp.array([1.0, -0.5, 0.4, 0.0, 0.7])
D = jnp.array([0.3, -1.0, 0.5, 0.6])
LR, DW = 0.1, 0.01


@pytest.fixture(scope="module")
def draws():
    """100,000 draws of one sample's counts per mode, with fixed keys (per-cell means 1.2 to 10)."""
    out = {}
    for i, mode in enumerate(["bit_trains", "binomial"]):
        rule = insitu.PulseUpdate(mode=mode)
        f = jax.jit(jax.vmap(lambda k, rule=rule: rule.coincidences(X, D, LR, DW, key=k)))
        out[mode] = np.asarray(f(jr.split(jr.key(100 + i), 100_000)), np.float64)
    return out


@pytest.mark.parametrize("mode", ["bit_trains", "binomial"])
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
