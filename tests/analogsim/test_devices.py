import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.integrate
import scipy.stats

import analogsim as asim
from analogsim.devices import PCM, Ideal, ReRAM

N = 200_000


def _folded_normal_mean(mu, sd):
    return sd * np.sqrt(2 / np.pi) * np.exp(-(mu**2) / (2 * sd**2)) + mu * (
        1 - 2 * scipy.stats.norm.cdf(-mu / sd)
    )


def _mu_sd(g_t, g_max=25.0):
    lg = np.log(max(g_t / g_max, 1e-7))
    return np.clip(-0.0155 * lg + 0.0244, 0.049, 0.1), np.clip(-0.0125 * lg - 0.0059, 0.008, 0.045)


@pytest.mark.parametrize("g_t", [2.0, 8.0, 15.0, 25.0])
def test_pcm_programming_noise_std(g_t):
    cells = PCM().program(jnp.full((N,), g_t), key=jr.key(0))
    g_hat = g_t / 25.0
    std = 0.26348 + 1.9650 * g_hat - 1.1731 * g_hat**2
    g = np.asarray(cells.g, np.float64)
    # g_t >= 2 uS is > 7 std from 0, so the clip at 0 does not matter here.
    assert g.mean() == pytest.approx(g_t, abs=4 * std / np.sqrt(N))
    assert g.std() == pytest.approx(std, rel=0.01)


def test_pcm_programming_noise_scales_with_g_max_and_clips_at_zero():
    cells = PCM(g_max_us=50.0).program(jnp.full((N,), 20.0), key=jr.key(1))
    g_hat = 20.0 / 50.0
    std = (0.26348 + 1.9650 * g_hat - 1.1731 * g_hat**2) * 50.0 / 25.0
    assert float(jnp.std(cells.g)) == pytest.approx(std, rel=0.01)
    zero = PCM().program(jnp.zeros((N,)), key=jr.key(2)).g
    assert float(jnp.min(zero)) == 0.0
    # max(0.26348 N, 0): half the cells at 0, mean 0.26348 / sqrt(2 pi).
    assert float(jnp.mean(zero == 0)) == pytest.approx(0.5, abs=0.01)
    assert float(jnp.mean(zero)) == pytest.approx(0.26348 / np.sqrt(2 * np.pi), rel=0.02)


@pytest.mark.parametrize("g_t", [0.5, 5.0, 25.0])
def test_pcm_drift_exponent_and_mean_drift_factor(g_t):
    dev = PCM(prog_noise_scale=0.0, read_noise_scale=0.0)
    cells = dev.program(jnp.full((N,), g_t), key=jr.key(3))
    mu, sd = _mu_sd(g_t)
    assert float(jnp.mean(cells.nu)) == pytest.approx(_folded_normal_mean(mu, sd), rel=0.01)
    t = 86400.0
    factor = np.asarray(dev.read(cells, t, key=jr.key(4))) / g_t
    L = np.log((t + 20.0) / 20.0)
    expected = scipy.integrate.quad(
        lambda z: np.exp(-abs(mu + sd * z) * L) * scipy.stats.norm.pdf(z), -10, 10, points=[-mu / sd]
    )[0]
    assert factor.mean() == pytest.approx(expected, rel=0.005)
    # t = 0 means no drift at all.
    np.testing.assert_allclose(dev.read(cells, 0.0, key=jr.key(5)), g_t, rtol=1e-6)


@pytest.mark.parametrize("g_t,t", [(20.0, 1.0), (5.0, 3600.0), (1.0, 86400.0 * 365)])
def test_pcm_read_noise_std(g_t, t):
    dev = PCM(prog_noise_scale=0.0, drift_scale=0.0)
    cells = dev.program(jnp.full((N,), g_t), key=jr.key(6))
    g = np.asarray(dev.read(cells, t, key=jr.key(7)), np.float64)
    q_s = min(0.0088 / max((g_t / 25.0) ** 0.65, 1e-3), 0.2)
    sigma = q_s * np.sqrt(np.log((t + 20.0 + 250e-9) / (2 * 250e-9)))
    assert g.std() / g_t == pytest.approx(sigma, rel=0.02)


def test_pcm_same_time_same_drift_independent_read_noise():
    dev = PCM()
    cells = dev.program(jnp.full((N,), 10.0), key=jr.key(8))
    quiet = PCM(read_noise_scale=0.0)
    a, b = quiet.read(cells, 3600.0, key=jr.key(9)), quiet.read(cells, 3600.0, key=jr.key(10))
    np.testing.assert_array_equal(a, b)  # drift is a property of the cells
    r1, r2 = dev.read(cells, 3600.0, key=jr.key(9)), dev.read(cells, 3600.0, key=jr.key(10))
    d1, d2 = np.asarray(r1 - a), np.asarray(r2 - a)
    assert abs(np.corrcoef(d1, d2)[0, 1]) < 0.01
    np.testing.assert_array_equal(r1, dev.read(cells, 3600.0, key=jr.key(9)))  # deterministic by key


def test_reram_levels_and_programming():
    dev = ReRAM(levels=5, prog_noise_scale=0.0, read_noise_std_us=0.0)
    g = jnp.array([0.0, 4.0, 6.0, 17.0, 39.0])
    cells = dev.program(g, key=jr.key(0))
    np.testing.assert_allclose(cells.g_target, [0.0, 0.0, 10.0, 20.0, 40.0], atol=1e-5)
    np.testing.assert_allclose(cells.g, cells.g_target, atol=1e-5)
    noisy = ReRAM(levels=None).program(jnp.full((N,), 20.0), key=jr.key(1))
    coeffs = (0.348, 16.030, -43.853, 45.393, -16.815)
    std = sum(c * 0.5**i for i, c in enumerate(coeffs))
    assert float(jnp.std(noisy.g)) == pytest.approx(std, rel=0.01)


def test_reram_relaxation_grows_to_published_spread_and_read_noise():
    dev = ReRAM(levels=None, read_noise_std_us=0.0)
    cells = dev.program(jnp.full((N,), 20.0), key=jr.key(2))
    day = np.asarray(dev.read(cells, 86400.0, key=jr.key(3)), np.float64)
    coeffs = (0.701, 22.086, -50.773, 47.095, -16.458)
    assert day.std() == pytest.approx(sum(c * 0.5**i for i, c in enumerate(coeffs)), rel=0.01)
    np.testing.assert_array_equal(day, dev.read(cells, 86400.0, key=jr.key(4)))  # persistent, not read noise
    reader = ReRAM(levels=None, read_noise_std_us=0.4)
    a, b = reader.read(cells, 1.0, key=jr.key(5)), reader.read(cells, 1.0, key=jr.key(6))
    assert float(jnp.std(a - b)) == pytest.approx(0.4 * np.sqrt(2), rel=0.01)


def test_device_functions_jit_and_vmap():
    dev = PCM()
    g = jnp.linspace(0.0, 25.0, 64)
    keys = jr.split(jr.key(0), 3)
    batched = jax.vmap(lambda k: dev.read(dev.program(g, key=k), 60.0, key=k))(keys)
    looped = jnp.stack([jax.jit(lambda k: dev.read(dev.program(g, key=k), 60.0, key=k))(k) for k in keys])
    np.testing.assert_allclose(batched, looped, rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: PCM(g_max_us=0.0),
        lambda: PCM(g_max_us=-25.0),
        lambda: PCM(t0_s=0.0),
        lambda: PCM(prog_noise_scale=-1.0),
        lambda: ReRAM(g_min_us=50.0, g_max_us=40.0),
        lambda: ReRAM(levels=1),
        lambda: ReRAM(read_noise_std_us=-0.1),
        lambda: Ideal(g_max_us=0.0),
        lambda: Ideal(g_min_us=30.0, g_max_us=25.0),
    ],
)
def test_bad_devices_raise(make):
    with pytest.raises(ValueError):
        make()


def test_stochastic_devices_need_keys():
    with pytest.raises(ValueError, match="key"):
        PCM().program(jnp.ones(3), key=None)
    with pytest.raises(ValueError, match="key"):
        ReRAM().read(ReRAM().program(jnp.ones(3), key=jr.key(0)), 1.0, key=None)
    assert asim.devices.Ideal().program(jnp.ones(3), key=None).g.shape == (3,)


_g = jnp.full((3, 3), 10.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda k: PCM().program(_g, key=k),
        lambda k: PCM().read(PCM().program(_g, key=jr.key(0)), 1.0, key=k),
        lambda k: ReRAM().program(_g, key=k),
        lambda k: ReRAM().read(ReRAM().program(_g, key=jr.key(0)), 1.0, key=k),
        lambda k: asim.devices.GainCell().program(_g, key=k),
        lambda k: asim.devices.capacitor_li2018().init((3, 3), key=k),
        lambda k: asim.devices.SoftBounds().pulse(
            asim.devices.SoftBounds().init((3, 3), key=None), jnp.ones((3, 3), jnp.int32), key=k
        ),
        lambda k: asim.random.normal(k, (3,)),
    ],
    ids=["pcm.program", "pcm.read", "reram.program", "reram.read", "gaincell.program", "pulsed.init", "pulsed.pulse",
         "random.normal"],
)
@pytest.mark.parametrize("bad", [0, 1.5, "seed"])
def test_device_calls_reject_non_keys_with_how_to_make_one(call, bad):
    with pytest.raises(ValueError, match=r"jax\.random\.key\(seed\)"):
        call(bad)
