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


def _pulse_up(dev, n, key, cells=N_CELLS):
    k1, k2 = jr.split(key)
    c = dev.init((cells,), key=k1)
    return dev.pulse(c, jnp.full((cells,), n, jnp.int32), key=k2)


def _numpy_walk(step_fn, n, cells, std, lo, hi, seed):
    """Float64 reference: `n` up pulses of the model's `update_once` with multiplicative c2c noise."""
    rng = np.random.default_rng(seed)
    w = np.zeros(cells)
    for _ in range(n):
        w = np.clip(w + step_fn(w) * (1.0 + std * rng.standard_normal(cells)), lo, hi)
    return w


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_constant_step_mean_and_std(getkey, n):
    dw, std = 0.0005, 0.3
    c = _pulse_up(devices.ConstantStep(dw_min=dw, dw_min_std=std, w_min=-1.0, w_max=1.0), n, getkey())
    assert float(jnp.mean(c.w)) == pytest.approx(n * dw, rel=0.02)
    assert float(jnp.std(c.w)) == pytest.approx(np.sqrt(n) * dw * std, rel=0.02)


def test_constant_step_clips_at_bounds(getkey):
    dev = devices.ConstantStep(dw_min=0.01, dw_min_std=0.0, w_min=-0.5, w_max=1.0)
    c = dev.init((3,), key=None)
    c = dev.pulse(c, jnp.array([50, 150, -80]), key=None)
    np.testing.assert_allclose(c.w, [0.5, 1.0, -0.5], rtol=1e-5)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_soft_bounds_noiseless_closed_form(n):
    dev = devices.SoftBounds(dw_min=0.01, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    c = dev.pulse(dev.init((4,), key=None), jnp.array([n, -n, 0, n]), key=None)
    up = 1.0 * (1 - (1 - 0.01) ** n)
    np.testing.assert_allclose(c.w, [up, -up, 0.0, up], rtol=1e-4)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_soft_bounds_cycle_to_cycle_variance_recursion(getkey, n):
    dw, std, w_max = 0.01, 0.3, 1.0
    dev = devices.SoftBounds(dw_min=dw, dw_min_std=std, w_min=-1.0, w_max=w_max, up_down=0.0)
    c = _pulse_up(dev, n, getkey())
    a = dw / w_max
    eu, eu2 = (1 - a) ** n, ((1 - a) ** 2 + a**2 * std**2) ** n
    assert float(jnp.mean(c.w)) == pytest.approx(w_max * (1 - eu), rel=0.02)
    assert float(jnp.std(c.w)) == pytest.approx(w_max * np.sqrt(eu2 - eu**2), rel=0.02)


def test_soft_bounds_symmetry_point_under_alternating_pulses():
    dev = devices.SoftBounds(dw_min=0.01, dw_min_std=0.0, w_min=-1.0, w_max=1.0, up_down=0.2)
    c = dev.init((1,), key=None)
    step = jax.jit(lambda c, n: dev.pulse(c, n, key=None))
    for _ in range(1500):
        c = step(c, jnp.array([1]))
        c = step(c, jnp.array([-1]))
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
@pytest.mark.parametrize("n", [10, 1000])
def test_state_dependent_models_match_published_update_rule(getkey, dev, step, n):
    # Noiseless: the device's deterministic trajectory equals the float64 iteration of its update rule.
    quiet = eqx.tree_at(lambda d: d.dw_min_std, dev, 0.0)
    c = quiet.pulse(quiet.init((1,), key=None), jnp.array([n]), key=None)
    ref = _numpy_walk(step, n, 1, 0.0, -1.0, 1.0, 0)
    np.testing.assert_allclose(c.w, ref, rtol=1e-3)
    # Noisy: mean and spread agree with a float64 Monte Carlo of the same rule.
    cells = 40000
    c = _pulse_up(dev, n, getkey(), cells=cells)
    ref = _numpy_walk(step, n, cells, 0.3, -1.0, 1.0, 1)
    assert float(jnp.mean(c.w)) == pytest.approx(ref.mean(), rel=0.02)
    assert float(jnp.std(c.w)) == pytest.approx(ref.std(), rel=0.02)


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
