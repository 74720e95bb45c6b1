import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
from analogsim.devices import PCM, Ideal, ReRAM


def _data(key, out=37, n_in=53, batch=(4,)):
    kw, kx = jr.split(key)
    return jr.normal(kw, (out, n_in)), jr.normal(kx, (*batch, n_in))


def _noisy_cfg(**kw):
    cfg = asim.CrossbarConfig.pcm_8bit(tile=(16, 8), adc_noise_std=0.04, read_noise=asim.ReadNoise(0.02))
    return dataclasses.replace(cfg, **kw)


@pytest.mark.parametrize("tile", [(512, 512), (16, 8), (53, 37), (7, 100), (1, 1)])
@pytest.mark.parametrize("mapping", ["per_column", "global"])
def test_ideal_is_exact(getkey, tile, mapping):
    W, x = _data(getkey())
    xb = asim.program(W, asim.CrossbarConfig.ideal(tile=tile, mapping=mapping))
    np.testing.assert_allclose(xb(x), x @ W.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xb(x[0]), W @ x[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        xb.effective_weights(), W, rtol=1e-6, atol=1e-6
    )  # differential pair round trip
    later = xb.at(86400.0)
    np.testing.assert_allclose(later(x), x @ W.T, rtol=1e-5, atol=1e-5)


def test_ideal_batch_shapes(getkey):
    W, x = _data(getkey(), batch=(2, 3, 5))
    xb = asim.program(W, asim.CrossbarConfig.ideal(tile=(16, 16)))
    y = xb(x)
    assert y.shape == (2, 3, 5, 37)
    np.testing.assert_allclose(y, jnp.einsum("oi,abci->abco", W, x), rtol=1e-5, atol=1e-5)


def test_tiles_count():
    xb = asim.program(jnp.ones((100, 70)), asim.CrossbarConfig.ideal(tile=(32, 64)))
    assert xb.tiles == (3, 2)
    assert asim.program(jnp.ones((4, 5)), asim.CrossbarConfig.ideal()).tiles == (1, 1)


def test_each_tile_has_its_own_adc(getkey):
    # A single ADC saturating at 1 over the whole sum would clip at 1; per-tile ADCs saturate per tile.
    W = jnp.ones((1, 8))
    x = jnp.ones((8,))
    cfg = asim.CrossbarConfig(
        device=Ideal(), dac=asim.DAC(bits=None, bound=None), adc=asim.ADC(bits=None, bound=1.0)
    )
    assert float(asim.program(W, dataclasses.replace(cfg, tile=(8, 1)))(x)[0]) == pytest.approx(1.0)
    assert float(asim.program(W, dataclasses.replace(cfg, tile=(2, 1)))(x)[0]) == pytest.approx(4.0)


def test_gradients_ideal_are_transpose_products(getkey):
    W, x = _data(getkey(), batch=())
    xb = asim.program(W, asim.CrossbarConfig.ideal(tile=(16, 8)))
    c = jr.normal(getkey(), (37,))
    g = jax.grad(lambda x: jnp.dot(c, xb(x)))(x)
    np.testing.assert_allclose(g, W.T @ c, rtol=1e-5, atol=1e-5)
    # and through programming, w.r.t. the weights
    gw = jax.grad(lambda W: jnp.dot(c, asim.program(W, asim.CrossbarConfig.ideal(tile=(16, 8)))(x)))(W)
    np.testing.assert_allclose(gw, jnp.outer(c, x), rtol=1e-4, atol=1e-4)


def test_gradients_finite_with_quantizers_and_noise(getkey):
    W, x = _data(getkey())
    cfg = _noisy_cfg(dac=asim.DAC(bits=4), adc=asim.ADC(bits=4, bound=4.0, noise_std=0.04))
    xb = asim.program(W, cfg, key=getkey()).at(3600.0, key=getkey())
    k = getkey()
    g = jax.grad(lambda x: jnp.sum(xb(x, key=k) ** 2))(x)
    assert jnp.all(jnp.isfinite(g)) and jnp.any(g != 0)
    g0 = jax.grad(lambda x: jnp.sum(xb(x, key=k)))(jnp.zeros_like(x))
    assert jnp.all(jnp.isfinite(g0))


def test_jit_vmap_loop_agree(getkey):
    W, x = _data(getkey(), batch=(6,))
    xb = asim.program(W, _noisy_cfg(), key=getkey()).at(60.0, key=getkey())
    keys = jr.split(getkey(), 6)
    looped = jnp.stack([xb(x[i], key=keys[i]) for i in range(6)])
    vmapped = jax.vmap(lambda xi, k: xb(xi, key=k))(x, keys)
    jitted = jax.jit(jax.vmap(lambda xi, k: xb(xi, key=k)))(x, keys)
    np.testing.assert_allclose(looped, vmapped, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(looped, jitted, rtol=1e-5, atol=1e-5)
    # vmap over programmings (Monte Carlo over keys) equals a loop too
    pkeys = jr.split(getkey(), 3)
    many = jax.vmap(lambda k: asim.program(W, _noisy_cfg(), key=k).w)(pkeys)
    for i in range(3):
        np.testing.assert_allclose(
            many[i], asim.program(W, _noisy_cfg(), key=pkeys[i]).w, rtol=1e-6, atol=1e-7
        )


def test_deterministic_by_key(getkey):
    W, x = _data(getkey())
    k1, k2, k3 = getkey(), getkey(), getkey()
    y1 = asim.program(W, _noisy_cfg(), key=k1).at(3600.0, key=k2)(x, key=k3)
    y2 = asim.program(W, _noisy_cfg(), key=k1).at(3600.0, key=k2)(x, key=k3)
    np.testing.assert_array_equal(y1, y2)
    y3 = asim.program(W, _noisy_cfg(), key=k1).at(3600.0, key=k2)(x, key=getkey())
    assert not np.array_equal(y1, y3)


def test_at_is_absolute_time_and_shares_drift(getkey):
    W, _ = _data(getkey())
    cfg = _noisy_cfg(device=PCM(read_noise_scale=0.0))
    xb = asim.program(W, cfg, key=getkey())
    a = xb.at(3600.0, key=getkey())
    b = xb.at(10.0, key=getkey()).at(3600.0, key=getkey())
    np.testing.assert_array_equal(a.w, b.w)
    assert float(a.t_seconds) == 3600.0


def test_no_recompilation(getkey, count_compiles):
    W, x = _data(getkey())
    xb = asim.program(W, _noisy_cfg(), key=getkey())

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def run(xb, x, t, k1, k2):
        return xb.at(t, key=k1)(x, key=k2)

    run(xb, x, jnp.asarray(1.0), getkey(), getkey())
    run(xb, x + 1, jnp.asarray(3600.0), getkey(), getkey())
    run(asim.program(W * 2, _noisy_cfg(), key=getkey()), x, jnp.asarray(5.0), getkey(), getkey())
    # the eager API converts Python times to arrays before its own jit: no retrace per time either
    k1, k2, k3, k4 = getkey(), getkey(), getkey(), getkey()
    xb.at(7.0, key=k1)(x, key=k2)
    with count_compiles() as c:
        xb.at(8.0, key=k3)(x, key=k4)
    assert c.count == 0


def _noise_samples(xb, x, n, key):
    keys = jr.split(key, n)
    return np.asarray(jax.vmap(lambda k: xb(x, key=k))(keys), np.float64)


def _read_noise_only(sigma, kind):
    """Ideal devices and converters, tiles of 16 inputs, read noise of `kind`."""
    return dataclasses.replace(
        asim.CrossbarConfig.ideal(tile=(16, 5)), read_noise=asim.ReadNoise(sigma, kind=kind)
    )


@pytest.mark.parametrize("kind", ["additive", "proportional"])
def test_read_noise_per_output_matches_per_weight_model(getkey, kind):
    # Per-weight noise of variance sigma^2 (additive) or sigma^2 |w| (proportional), in units of the weight range,
    # summed over the inputs: the output variance is sigma^2 scale^2 sum_i c_ij x_i^2 with c = 1 or |w| / scale.
    W, x = _data(getkey(), out=5, n_in=40, batch=())
    sigma = 0.05
    xb = asim.program(W, _read_noise_only(sigma, kind))
    y = _noise_samples(xb, x, 20_000, getkey())
    scale = np.max(np.abs(np.asarray(W)), axis=1)
    c = np.ones(W.shape) if kind == "additive" else np.abs(np.asarray(W)) / scale[:, None]
    expected_var = sigma**2 * scale**2 * (c @ np.asarray(x) ** 2)
    np.testing.assert_allclose(y.mean(0), W @ x, atol=4 * np.sqrt(expected_var.max() / 20_000))
    np.testing.assert_allclose(y.var(0), expected_var, rtol=0.04)


def test_adc_output_noise_per_tile(getkey):
    W, x = _data(getkey(), out=3, n_in=40, batch=())
    cfg = asim.CrossbarConfig(
        device=Ideal(), dac=asim.DAC(None, None), adc=asim.ADC(None, None, noise_std=0.1), tile=(10, 3)
    )
    y = _noise_samples(asim.program(W, cfg), x, 20_000, getkey())
    scale = np.max(np.abs(np.asarray(W)), axis=1)
    np.testing.assert_allclose(y.var(0), 4 * (0.1 * scale) ** 2, rtol=0.04)  # 4 tiles, one ADC each


def test_stuck_at_faults(getkey):
    W = jnp.abs(jr.normal(getkey(), (200, 300))) + 0.1  # all positive: only G+ carries the weight
    cfg = asim.CrossbarConfig(device=Ideal(), dac=asim.DAC(None, None), adc=asim.ADC(None, None))
    stuck_low = asim.program(W, dataclasses.replace(cfg, faults=asim.StuckAt(0.3, 0.0)), key=getkey())
    frac_zero = float(jnp.mean(stuck_low.effective_weights() == 0))
    assert frac_zero == pytest.approx(0.3, abs=0.01)
    stuck_high = asim.program(W, dataclasses.replace(cfg, faults=asim.StuckAt(0.0, 1.0)), key=getkey())
    np.testing.assert_allclose(stuck_high.effective_weights(), 0.0, atol=1e-6)  # both cells at g_max
    # stuck cells stay stuck over time
    pcm = asim.CrossbarConfig(device=PCM(), faults=asim.StuckAt(0.0, 0.2))
    xb = asim.program(jnp.zeros((200, 300)), pcm, key=getkey())
    for t in (0.0, 1e6):
        w = xb.at(t, key=getkey()).w
        # exactly one cell of the pair stuck at g_max: |w| ~ 1; both or none: |w| small
        assert float(jnp.mean(w > 0.9)) == pytest.approx(0.2 * 0.8, abs=0.01)
        assert float(jnp.mean(w < -0.9)) == pytest.approx(0.2 * 0.8, abs=0.01)


def test_ir_drop_attenuates_far_cells():
    W = jnp.ones((4, 6))
    cfg = asim.CrossbarConfig(
        device=Ideal(g_max_us=25.0),
        dac=asim.DAC(None, None),
        adc=asim.ADC(None, None),
        tile=(6, 4),
        ir_drop=asim.IRDrop(r_wire_ohm=100.0),
    )
    w = np.asarray(asim.program(W, cfg).effective_weights())
    g = 25e-6
    for j in range(4):
        for i in range(6):
            r = 100.0 * ((j + 1) + (6 - i))
            g_idle = 0.0
            assert w[j, i] == pytest.approx(g / (1 + g * r) / g - g_idle, rel=1e-5)
    assert w[3, 0] < w[0, 5]  # farthest from driver and ADC loses most


def test_drift_compensation_recovers_accuracy(getkey):
    W, x = _data(getkey(), out=64, n_in=128, batch=(32,))
    y_ref = x @ W.T
    errs = {}
    for comp in (False, True):
        cfg = asim.CrossbarConfig(
            device=PCM(), dac=asim.DAC(None, None), adc=asim.ADC(None, None), drift_compensation=comp
        )
        xb = asim.program(W, cfg, key=jr.key(0)).at(86400.0 * 365, key=jr.key(1))
        y = xb(x)
        errs[comp] = float(jnp.linalg.norm(y - y_ref) / jnp.linalg.norm(y_ref))
        if comp:
            assert float(xb.drift_scale) > 1.5  # a year of drift lowers conductances by ~2x
    assert errs[True] < 0.5 * errs[False]


def test_pcm_accuracy_degrades_with_time(getkey):
    W, x = _data(getkey(), out=64, n_in=128, batch=(32,))
    cfg = _noisy_cfg(tile=(64, 64))
    xb = asim.program(W, cfg, key=getkey())
    e = [
        float(jnp.linalg.norm(xb.at(t, key=getkey())(x, key=getkey()) - x @ W.T))
        for t in (1.0, 86400.0 * 365)
    ]
    assert e[1] > e[0]


def test_reram_crossbar_runs(getkey):
    W, x = _data(getkey())
    xb = asim.program(W, asim.CrossbarConfig(device=ReRAM()), key=getkey()).at(86400.0, key=getkey())
    y = xb(x)
    rel = float(jnp.linalg.norm(y - x @ W.T) / jnp.linalg.norm(x @ W.T))
    assert 0.0 < rel < 0.5


# ---- bad input -------------------------------------------------------------------------------------------------


def test_bad_inputs_raise(getkey):
    W, x = _data(getkey())
    xb = asim.program(W, asim.CrossbarConfig.ideal())
    with pytest.raises(ValueError, match="length 53"):
        xb(jnp.ones((4, 52)))
    with pytest.raises(ValueError, match="t_seconds"):
        xb.at(-1.0)
    with pytest.raises(ValueError, match="t_seconds"):
        xb.at(float("nan"))
    with pytest.raises(ValueError, match="2-D"):
        asim.program(jnp.ones(5), asim.CrossbarConfig.ideal())
    with pytest.raises(ValueError, match="NaN"):
        asim.program(W.at[0, 0].set(jnp.nan), asim.CrossbarConfig.ideal())
    with pytest.raises(ValueError, match="key"):
        asim.program(W, asim.CrossbarConfig())
    with pytest.raises(ValueError, match="key"):
        asim.program(W, _noisy_cfg(), key=getkey())(x)
    with pytest.raises(ValueError, match="key"):
        asim.program(W, _noisy_cfg(), key=getkey()).at(1.0)
    with pytest.raises(ValueError, match="CrossbarConfig"):
        asim.program(W, None)


@pytest.mark.parametrize(
    "make",
    [
        lambda: asim.CrossbarConfig(tile=(0, 5)),
        lambda: asim.CrossbarConfig(tile=(5,)),
        lambda: asim.CrossbarConfig(tile=[5, 5]),
        lambda: asim.CrossbarConfig(mapping="rows"),
        lambda: asim.CrossbarConfig(device="PCM"),
        lambda: asim.CrossbarConfig(read_noise=0.1),
        lambda: asim.ReadNoise(-0.1),
        lambda: asim.StuckAt(0.7, 0.6),
        lambda: asim.StuckAt(-0.1, 0.0),
        lambda: asim.IRDrop(-1.0),
    ],
)
def test_bad_configs_raise(make):
    with pytest.raises(ValueError):
        make()


def test_read_noise_kind_validated():
    with pytest.raises(ValueError, match="kind"):
        asim.ReadNoise(0.1, kind="multiplicative")


# ---- each non-ideality's own maths ---------------------------------------------------------------------------


def test_read_noise_variance_closed_form(getkey):
    v = jr.uniform(getkey(), (3, 2, 7), minval=-1.0, maxval=1.0)  # (tiles, batch, rows)
    w = jr.uniform(getkey(), (3, 4, 7), minval=-1.0, maxval=1.0)  # (tiles, out, rows)
    vn, wn = np.asarray(v, np.float64), np.asarray(w, np.float64)
    add = asim.ReadNoise(0.1).variance(v, w)
    assert add.shape == (3, 2, 1)
    np.testing.assert_allclose(add[..., 0], 0.01 * np.sum(vn**2, axis=-1), rtol=1e-6)
    prop = asim.ReadNoise(0.1, kind="proportional").variance(v, w)
    assert prop.shape == (3, 2, 4)
    np.testing.assert_allclose(prop, 0.01 * np.einsum("tbr,tor->tbo", vn**2, np.abs(wn)), rtol=1e-6)


def test_stuck_at_apply_draws_one_map_per_key(getkey):
    g = jnp.full((400, 500), 7.0)
    faults = asim.StuckAt(0.1, 0.2)
    k = getkey()
    a = np.asarray(faults.apply(g, 0.0, 25.0, key=k))
    assert np.mean(a == 0.0) == pytest.approx(0.1, abs=0.005)
    assert np.mean(a == 25.0) == pytest.approx(0.2, abs=0.005)
    assert np.all((a == 0.0) | (a == 25.0) | (a == 7.0))
    # the same key sticks the same cells whatever they hold
    b = np.asarray(faults.apply(g * 2.0, 0.0, 25.0, key=k))
    np.testing.assert_array_equal(a == 7.0, b == 14.0)


def test_adc_adds_its_noise_and_the_read_noise_it_is_given(getkey):
    y = jnp.zeros((40_000,))
    adc = asim.ADC(bits=None, bound=None, noise_std=0.3)
    out = np.asarray(adc(y, key=getkey(), noise_variance=jnp.full((40_000,), 0.16)), np.float64)
    assert out.var() == pytest.approx(0.09 + 0.16, rel=0.03)
    np.testing.assert_array_equal(
        asim.ADC(bits=4, bound=1.0)(jnp.asarray([0.26])), asim.quantize(jnp.asarray([0.26]), 4, 1.0)
    )
    with pytest.raises(ValueError, match="key"):
        adc(y)
    with pytest.raises(ValueError, match="key"):
        asim.ADC()(y, noise_variance=0.1)


def test_pcm_8bit_preset():
    cfg = asim.CrossbarConfig.pcm_8bit(tile=(256, 256), drift_compensation=True)
    expected = asim.CrossbarConfig(
        device=PCM(), dac=asim.DAC(bits=8), adc=asim.ADC(bits=8), tile=(256, 256), drift_compensation=True
    )
    assert eqx.tree_equal(cfg, expected)
    noisy = asim.CrossbarConfig.pcm_8bit(
        adc_noise_std=0.04, read_noise=asim.ReadNoise(0.02, kind="proportional")
    )
    assert (
        noisy.adc.noise_std == 0.04 and noisy.read_noise.kind == "proportional" and noisy.tile == (512, 512)
    )
    assert noisy.stochastic_mvm and not asim.CrossbarConfig.pcm_8bit().stochastic_mvm
