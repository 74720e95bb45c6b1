"""Pulsed (update-capable) devices: closed-form statistics after n pulses, device-to-device draws, validation."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
from analogsim import devices

N_CELLS = 20000
NS = (10, 100, 1000)
COUNTS = [pytest.param((10, 100), id="n10-100"), pytest.param((1000,), id="n1000", marks=pytest.mark.slow)]
"""Pulse counts of the statistical checks: the default run stops at 100 pulses; `-m slow` runs 1000 (the loop over
pulses is what costs)."""

_pulse = eqx.filter_jit(lambda dev, c, n, key: dev.pulse(c, n, key=key))
_closed = eqx.filter_jit(lambda dev, c, n, key: dev.pulse_closed_form(c, n, key=key))


def _pulse_up(dev, ns, key, cells=N_CELLS, apply=_pulse):
    """`len(ns)` rows of `cells` cells, row `r` receiving `ns[r]` up pulses, in one call (one compilation)."""
    k1, k2 = jr.split(key)
    c = dev.init((len(ns), cells), key=k1)
    n = jnp.broadcast_to(jnp.asarray(ns, jnp.int32)[:, None], (len(ns), cells))
    return apply(dev, c, n, k2)


def _numpy_walk(step_fn, ns, cells, std, lo, hi, seed):
    """Float64 reference: up pulses of the model's `update_once` with multiplicative c2c noise; the weights after
    each count in `ns` (one walk)."""
    rng = np.random.default_rng(seed)
    w, out = np.zeros(cells), []
    for k in range(1, max(ns) + 1):
        w = np.clip(w + step_fn(w) * (1.0 + std * rng.standard_normal(cells)), lo, hi)
        if k in ns:
            out.append(w.copy())
    return out


@pytest.mark.parametrize("ns", COUNTS)
def test_constant_step_mean_and_std(getkey, ns):
    dw, std = 0.0005, 0.3
    c = _pulse_up(devices.ConstantStep(dw_min=dw, dw_min_std=std, w_min=-1.0, w_max=1.0), ns, getkey())
    for row, n in enumerate(ns):
        assert float(jnp.mean(c.w[row])) == pytest.approx(n * dw, rel=0.02)
        assert float(jnp.std(c.w[row])) == pytest.approx(np.sqrt(n) * dw * std, rel=0.02)


def test_constant_step_clips_at_bounds(getkey):
    dev = devices.ConstantStep(dw_min=0.01, dw_min_std=0.0, w_min=-0.5, w_max=1.0)
    c = dev.init((3,), key=None)
    c = dev.pulse(c, jnp.array([50, 150, -80]), key=None)
    np.testing.assert_allclose(c.w, [0.5, 1.0, -0.5], rtol=1e-5)


def test_soft_bounds_noiseless_closed_form():
    dev = devices.SoftBounds(dw_min=0.01, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    n = jnp.array([[n, -n, 0, n] for n in NS], jnp.int32)
    c = _pulse(dev, dev.init(n.shape, key=None), n, None)
    fast = _closed(dev, dev.init(n.shape, key=None), n, None)
    for row, k in enumerate(NS):  # noiseless: no loop over 20,000 cells, 1000 pulses are cheap
        up = 1.0 * (1 - (1 - 0.01) ** k)
        np.testing.assert_allclose(c.w[row], [up, -up, 0.0, up], rtol=1e-4)
        np.testing.assert_allclose(fast.w[row], [up, -up, 0.0, up], rtol=1e-4)


@pytest.mark.parametrize("ns", COUNTS)
def test_soft_bounds_cycle_to_cycle_variance_recursion(getkey, ns):
    dw, std, w_max = 0.01, 0.3, 1.0
    dev = devices.SoftBounds(dw_min=dw, dw_min_std=std, w_min=-1.0, w_max=w_max, up_down=0.0)
    c = _pulse_up(dev, ns, getkey())
    a = dw / w_max
    for row, n in enumerate(ns):
        eu, eu2 = (1 - a) ** n, ((1 - a) ** 2 + a**2 * std**2) ** n
        assert float(jnp.mean(c.w[row])) == pytest.approx(w_max * (1 - eu), rel=0.02)
        assert float(jnp.std(c.w[row])) == pytest.approx(w_max * np.sqrt(eu2 - eu**2), rel=0.02)


@pytest.mark.parametrize("dev", [
    devices.ConstantStep(dw_min=0.0005, dw_min_std=0.3, w_min=-1.0, w_max=1.0),
    devices.SoftBounds(dw_min=0.01, dw_min_std=0.3, w_min=-1.0, w_max=1.0),
    devices.SoftBounds(dw_min=0.002, dw_min_std=0.3, dw_min_dtod=0.3, up_down=0.2, w_min=-1.0, w_max=1.0,
                       w_max_dtod=0.2, write_noise_std=1.0),
    devices.LinearStep(dw_min=0.0005, dw_min_std=0.3, w_min=-1.0, w_max=1.0, gamma_up=0.5),
], ids=["ConstantStep", "SoftBounds", "SoftBounds-spreads", "LinearStep"])
@pytest.mark.parametrize("ns", COUNTS)
def test_closed_form_matches_pulse_by_pulse(getkey, dev, ns):
    # The O(1) path draws the weight after n pulses from a Gaussian with the walk's exact mean and variance.
    k = getkey()
    ref, fast = _pulse_up(dev, ns, k), _pulse_up(dev, ns, k, apply=_closed)
    np.testing.assert_array_equal(ref.w_max, fast.w_max)  # the same cells
    for row in range(len(ns)):
        assert float(jnp.mean(fast.w[row])) == pytest.approx(float(jnp.mean(ref.w[row])), rel=0.02)
        assert float(jnp.std(fast.w[row])) == pytest.approx(float(jnp.std(ref.w[row])), rel=0.02)
    down = dev.pulse_closed_form(ref, jnp.full(ref.w.shape, -5, jnp.int32), key=getkey())
    assert bool(jnp.all(down.hidden <= ref.hidden))


def test_closed_form_falls_back_to_pulses_without_an_affine_step():
    dev = devices.ExpStep(dw_min=0.0005, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    c, n = dev.init((3,), key=None), jnp.array([40, -7, 0], jnp.int32)
    np.testing.assert_array_equal(dev.pulse_closed_form(c, n, key=None).w, dev.pulse(c, n, key=None).w)


def test_soft_bounds_symmetry_point_under_alternating_pulses():
    dev = devices.SoftBounds(dw_min=0.01, dw_min_std=0.0, w_min=-1.0, w_max=1.0, up_down=0.2)
    c = dev.init((1,), key=None)

    def pair(c, _):
        c = dev.pulse(c, jnp.array([1]), key=None)
        return dev.pulse(c, jnp.array([-1]), key=None), None

    c, _ = jax.jit(lambda c: jax.lax.scan(pair, c, None, length=1500))(c)
    up, down = 0.01, 0.01 * (1 - 0.2)
    w_star = (up - down) / (up / 1.0 - down / -1.0)
    assert float(c.w[0]) == pytest.approx(w_star, abs=0.01)


@pytest.mark.parametrize(
    "dev, step",
    [
        (devices.ExpStep(dw_min=0.0005, dw_min_std=0.3, w_min=-1.0, w_max=1.0),
         lambda w: np.maximum(1 - 0.00081 * np.exp(12.44625 * (w * 0.244 + 0.2425)), 0) * 0.0005),
        (devices.PowStep(dw_min=0.0005, dw_min_std=0.3, w_min=-1.0, w_max=1.0, pow_gamma=2.0),
         lambda w: 0.0005 * ((1.0 - w) / 2.0) ** 2),
        (devices.LinearStep(dw_min=0.0005, dw_min_std=0.3, w_min=-1.0, w_max=1.0, gamma_up=0.5),
         lambda w: 0.0005 * (1 - 0.5 * w)),
    ],
    ids=["ExpStep", "PowStep", "LinearStep"],
)
@pytest.mark.parametrize("ns", COUNTS)
def test_state_dependent_models_match_published_update_rule(getkey, dev, step, ns):
    # Noiseless: the device's deterministic trajectory equals the float64 iteration of its update rule.
    quiet = eqx.tree_at(lambda d: d.dw_min_std, dev, 0.0)
    c = _pulse_up(quiet, ns, getkey(), cells=1)
    for row, ref in enumerate(_numpy_walk(step, ns, 1, 0.0, -1.0, 1.0, 0)):
        np.testing.assert_allclose(c.w[row], ref, rtol=1e-3)
    # Noisy: mean and spread agree with a float64 Monte Carlo of the same rule.
    c = _pulse_up(dev, ns, getkey())
    for row, ref in enumerate(_numpy_walk(step, ns, N_CELLS, 0.3, -1.0, 1.0, 1)):
        assert float(jnp.mean(c.w[row])) == pytest.approx(ref.mean(), rel=0.02)
        assert float(jnp.std(c.w[row])) == pytest.approx(ref.std(), rel=0.02)


def test_device_to_device_draws(getkey):
    dev = devices.SoftBounds(dw_min=0.01, dw_min_dtod=0.3, up_down=0.1, up_down_dtod=0.05, w_min=-1.0,
                             w_max=1.0, w_min_dtod=0.2, w_max_dtod=0.2)
    c = dev.init((N_CELLS,), key=getkey())
    assert float(jnp.mean(c.scale_up)) == pytest.approx(0.01, rel=0.02)
    assert float(jnp.mean(c.scale_down)) == pytest.approx(0.01 * 0.9, rel=0.02)
    assert float(jnp.std(c.scale_up)) == pytest.approx(0.01 * np.hypot(0.3, 0.05), rel=0.03)
    assert float(jnp.mean(c.w_max)) == pytest.approx(1.0, rel=0.02)
    assert float(jnp.std(c.w_max)) == pytest.approx(0.2, rel=0.03)
    assert bool(jnp.all(c.w_min <= 0)) and bool(jnp.all(c.w_max >= 0))
    np.testing.assert_array_equal(c.w, 0.0)
    # No spreads: nothing drawn, no key needed, every cell identical.
    c = devices.SoftBounds(dw_min=0.01).init((5, 3), key=None)
    np.testing.assert_array_equal(c.scale_up, np.float32(0.01))
    with pytest.raises(ValueError, match="key"):
        dev.init((3,), key=None)


def test_write_noise_only_on_touched_cells(getkey):
    dev = devices.ConstantStep(dw_min=0.01, dw_min_std=0.0, write_noise_std=2.0, w_min=-1.0, w_max=1.0)
    c = dev.init((N_CELLS,), key=None)
    n = jnp.where(jnp.arange(N_CELLS) < N_CELLS // 2, 5, 0)
    c = dev.pulse(c, n, key=getkey())
    np.testing.assert_allclose(c.hidden[: N_CELLS // 2], 0.05, rtol=1e-5)
    assert float(jnp.std(c.w[: N_CELLS // 2])) == pytest.approx(0.02, rel=0.03)
    np.testing.assert_array_equal(c.w[N_CELLS // 2 :], 0.0)


def test_random_counts_draw_is_normal_with_the_moments(getkey):
    # pulse_counts with random counts: one moment-matched near-normal draw per cell (the fast update path). A
    # noiseless constant step turns the count's mean and variance into the weight's: n dw and sqrt(var) dw; the
    # draw's shape is the normal's to its fourth moment, its tails are cut at 4.44 sigma.
    dev = devices.ConstantStep(dw_min=0.001, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    cells = 200_000
    c = dev.init((cells,), key=None)
    n, var = jnp.full((cells,), 20.0), jnp.full((cells,), 16.0)
    z = (np.asarray(dev.pulse_counts(c, n, jnp.zeros(cells), var, jnp.zeros(cells), key=getkey()).w, np.float64)
         - 0.02) / 0.004
    assert abs(z.mean()) < 0.01 and z.std() == pytest.approx(1.0, rel=0.01)
    assert float(np.mean(z**4)) == pytest.approx(3.0, abs=0.1)  # standard error 0.02
    assert np.abs(z).max() <= 4.45


def test_levels_and_leakage():
    dev = devices.capacitor_li2018(dw_min_dtod=0.0, up_down_dtod=0.0, w_min_dtod=0.0, w_max_dtod=0.0,
                                   gamma_up_dtod=0.0, gamma_down_dtod=0.0, dw_min_std=0.0)
    c = dev.pulse(dev.init((2,), key=None), jnp.array([7, -3]), key=None)
    np.testing.assert_allclose(c.w, [0.035, -0.015], atol=1e-6)  # whole charge levels of 0.005
    later = dev.leak(c, 0.5)
    np.testing.assert_allclose(later.w, c.w * np.exp(-0.5 / 1.0), rtol=1e-6)
    assert devices.SoftBounds().leak(c, 10.0) is c


def test_jit_vmap_and_python_agree(getkey):
    dev = devices.SoftBounds(dw_min=0.01, dw_min_std=0.3, w_min=-1.0, w_max=1.0)
    k1, k2 = getkey(), getkey()
    c = dev.init((8,), key=k1)
    n = jnp.arange(-4, 4, dtype=jnp.int32) * 3
    eager = dev.pulse(c, n, key=k2)
    jitted = eqx.filter_jit(lambda c, n, k: dev.pulse(c, n, key=k))(c, n, k2)
    np.testing.assert_allclose(eager.w, jitted.w, rtol=1e-6)
    keys = jr.split(k2, 3)
    batched = jax.vmap(lambda k: dev.pulse(c, n, key=k).w)(keys)
    np.testing.assert_allclose(batched[1], dev.pulse(c, n, key=keys[1]).w, rtol=1e-6)
    np.testing.assert_array_equal(eager.w[4], 0.0)  # n = 0 leaves the cell alone


def test_no_recompilation(getkey, count_compiles):
    dev = devices.ConstantStep(dw_min=0.01)
    f = eqx.filter_jit(lambda c, n, k: dev.pulse(c, n, key=k))
    c = dev.init((16,), key=None)
    n1, n2 = jnp.full((16,), 3, jnp.int32), jnp.full((16,), 9, jnp.int32)
    k1, k2 = getkey(), getkey()
    f(c, n1, k1)
    with count_compiles() as cc:
        f(c, n2, k2)
    assert cc.count == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dw_min=0.0), "dw_min"),
        (dict(dw_min=-0.01), "dw_min"),
        (dict(w_min=0.5, w_max=0.2), "w_min"),
        (dict(w_min=-0.5, w_max=-0.6), "w_max"),
        (dict(dw_min_std=-0.1), "dw_min_std"),
        (dict(up_down=1.5), "up_down"),
        (dict(levels=1), "levels"),
        (dict(tau_s=0.0), "tau_s"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        devices.SoftBounds(**kwargs)


def test_bad_shapes_and_counts_raise():
    dev = devices.ConstantStep(dw_min_std=0.0)
    with pytest.raises(ValueError, match="shape"):
        dev.init((3, -1), key=None)
    with pytest.raises(ValueError, match="shape"):
        dev.init((2.5,), key=None)
    c = dev.init((3,), key=None)
    with pytest.raises(ValueError, match="shape"):
        dev.pulse(c, jnp.zeros((4,), jnp.int32), key=None)
    with pytest.raises(ValueError, match="integer"):
        dev.pulse(c, jnp.zeros((3,)), key=None)
    with pytest.raises(ValueError, match="key"):
        devices.ConstantStep(dw_min_std=0.3).pulse(c, jnp.ones((3,), jnp.int32), key=None)


def test_acceptance_api(getkey):
    dev = asim.devices.SoftBounds(dw_min=0.01, dw_min_std=0.3, w_min=-1.0, w_max=1.0, up_down=0.0)
    cells = dev.init((1000,), key=getkey())
    cells = dev.pulse(cells, jnp.full((1000,), 10, jnp.int32), key=getkey())
    assert cells.w.shape == (1000,)
    assert isinstance(dev, asim.devices.AbstractPulsedDevice)
