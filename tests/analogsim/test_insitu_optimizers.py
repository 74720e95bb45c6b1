"""In-situ optimizers: convergence on a linear regression, the asymmetry bias and its cures, counts, jit/vmap."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
from analogsim import devices, insitu

N_IN, N_OUT, N_DATA = 8, 4, 512


def _regression(noise):
    kx, kw, kn = jr.split(jr.key(0), 3)
    x = jr.normal(kx, (N_DATA, N_IN))
    w_true = jr.uniform(kw, (N_OUT, N_IN), minval=-0.5, maxval=0.5)
    y = x @ w_true.T + noise * jr.normal(kn, (N_DATA, N_OUT))
    w_ls = np.linalg.lstsq(np.asarray(x), np.asarray(y), rcond=None)[0].T
    return x, y, w_ls


def _train(opt, x, y, *, epochs=6, batch=8, seed=1):
    """Mean-squared-error regression; the forward pass reads the weights exactly, the optimizer gets d = y - t.
    The whole run is one `lax.scan` over the batches (one compilation, no per-step dispatch)."""
    state = opt.init((N_OUT, N_IN), key=jr.key(seed))
    xb = jnp.tile(x.reshape(-1, batch, N_IN), (epochs, 1, 1))
    yb = jnp.tile(y.reshape(-1, batch, N_OUT), (epochs, 1, 1))
    keys = jr.split(jr.key(seed + 1), xb.shape[0])

    def step(state, inputs):
        xs, ys, k = inputs
        return opt.update(state, xs, xs @ opt.weights(state).T - ys, key=k), None

    return jax.jit(lambda s: jax.lax.scan(step, s, (xb, yb, keys))[0])(state)


def test_constant_step_sgd_converges_to_least_squares():
    x, y, w_ls = _regression(0.01)
    dev = devices.ConstantStep(dw_min=0.001, dw_min_std=0.3, w_min=-1.0, w_max=1.0)
    state = _train(insitu.AnalogSGD(dev, lr=0.01), x, y)
    err = np.max(np.abs(np.asarray(state.arrays[0].w) - w_ls))
    assert err < 0.02  # 20 device steps; measured 0.005


def test_asymmetry_biases_sgd_and_tiki_taka_and_mixed_precision_reduce_it():
    # Noisy targets keep the gradient fluctuating around the optimum: SGD's up and down pulses then pull each
    # weight towards its device's symmetry point, away from the least-squares solution.
    x, y, w_ls = _regression(0.5)
    dev = devices.SoftBounds(dw_min=0.001, dw_min_std=0.3, w_min=-1.0, w_max=1.0, up_down=0.3)
    err = {}
    for name, opt in [
        ("sgd", insitu.AnalogSGD(dev, lr=0.004)),
        ("mp", insitu.MixedPrecision(dev, lr=0.004)),
        ("ttv2", insitu.TikiTakaV2(dev, lr=0.004, io=insitu.AnalogIO.ideal())),
    ]:
        w = opt.weights(_train(opt, x, y))
        err[name] = float(np.max(np.abs(np.asarray(w) - w_ls)))
    assert err["sgd"] > 0.15  # measured 0.19
    assert err["mp"] < 0.6 * err["sgd"]  # measured 0.09
    assert err["ttv2"] < 0.6 * err["sgd"]  # measured 0.10


_jit_update = eqx.filter_jit(lambda opt, s, x, d, k: opt.update(s, x, d, key=k))


def test_counts_by_hand(getkey):
    dw = 0.01
    dev = devices.ConstantStep(dw_min=dw, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    x, d = jnp.array([[1.0, -1.0, 0.0]]), jnp.array([[1.0, -1.0]])
    # lr = BL dw_min with |x| = |d| = 1: every slot coincides, 31 pulses per live cell.
    sgd = insitu.AnalogSGD(dev, lr=31 * dw)
    s = _jit_update(sgd, sgd.init((2, 3), key=None), x, d, getkey())
    np.testing.assert_array_equal(s.counts.pulses[0], [[31, 31, 0], [31, 31, 0]])
    np.testing.assert_allclose(s.arrays[0].w, [[-0.31, 0.31, 0.0], [0.31, -0.31, 0.0]], atol=1e-6)
    c = s.counts
    assert (float(c.samples), float(c.dac_forward), float(c.adc_forward)) == (1, 3, 2)
    assert (float(c.dac_backward), float(c.adc_backward), float(c.digital_ops)) == (2, 3, 0)
    assert int(c.max_pulses_per_cell) == 31 and float(c.pulses_total) == 124
    # Mixed precision: chi = -lr d x^T = [[-0.25, 0.25, 0], [0.25, -0.25, 0]] -> trunc(chi / dw) = -/+25 pulses.
    mp = insitu.MixedPrecision(dev, lr=0.25)
    s = _jit_update(mp, mp.init((2, 3), key=None), x, d, getkey())
    np.testing.assert_array_equal(s.counts.pulses[0], [[25, 25, 0], [25, 25, 0]])
    np.testing.assert_allclose(s.buffer, 0.0, atol=1e-6)
    assert float(s.counts.digital_ops) == 1 * 6 + 2 * 6
    # "expected" decrement on soft bounds: chi gives up the steps the device took at w (w0 = 0.5 is reached by 50
    # pulses: w = 1 - 0.99^50): dw (1 + w) down, dw (1 - w) up.
    sb = devices.SoftBounds(dw_min=dw, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    mpe = insitu.MixedPrecision(sb, lr=0.25, decrement="expected")
    s = _jit_update(mpe, mpe.init((2, 3), key=None, w0=jnp.full((2, 3), 0.5)), x, d, getkey())
    w = 1 - 0.99**50
    np.testing.assert_allclose(s.buffer[0, :2], [-0.25 + 25 * dw * (1 + w), 0.25 - 25 * dw * (1 - w)], atol=1e-5)
    # Tiki-Taka: after the sample, column 0 of A (-0.31, 0.31) is read: H = transfer_lr * a / dw = (-31, 31),
    # C[:, 0] gets max_pulses = 10 pulses each way, H keeps the remaining (-21, 21).
    tt = insitu.TikiTakaV2(dev, lr=31 * dw, transfer_lr=1.0, max_pulses=10, io=insitu.AnalogIO.ideal())
    s = _jit_update(tt, tt.init((2, 3), key=getkey()), x, d, getkey())
    np.testing.assert_allclose(tt.weights(s), [[-0.1, 0, 0], [0.1, 0, 0]], atol=1e-6)
    np.testing.assert_allclose(s.buffer[:, 0], [-21.0, 21.0], atol=1e-4)
    np.testing.assert_array_equal(s.counts.pulses[1], [[10, 0, 0], [10, 0, 0]])
    c = s.counts
    assert (float(c.transfer_reads), float(c.dac_transfer), float(c.adc_transfer)) == (1, 3, 2)


FAST = insitu.PulseUpdate(mode="moments")
"""The batch fast path: vmapping the bit-train path's per-sample pulse loops is checked in test_insitu_update (the
coincidences) and test_pulsed_devices (the pulse loop); compiling it inside a vmapped optimizer costs a minute."""


@pytest.mark.parametrize("make", [
    lambda dev: insitu.AnalogSGD(dev, lr=0.01, pulse=FAST),
    lambda dev: insitu.MixedPrecision(dev, lr=0.01),
    lambda dev: insitu.TikiTakaV2(dev, lr=0.01, transfer_every=2, pulse=FAST),
], ids=["sgd", "mp", "ttv2"])
def test_jit_and_vmap_over_seeds(getkey, make):
    dev = devices.SoftBounds(dw_min=0.001, dw_min_dtod=0.3, up_down=0.1, up_down_dtod=0.05, w_min=-1.0, w_max=1.0)
    opt = make(dev)
    x, d = jr.normal(getkey(), (4, N_IN)), jr.normal(getkey(), (4, N_OUT))
    seeds = jr.split(getkey(), 3)
    init_keys, step_keys = jax.vmap(jr.split)(seeds).transpose(1, 0)
    states = jax.jit(jax.vmap(lambda k: opt.init((N_OUT, N_IN), key=k)))(init_keys)
    batched = jax.jit(jax.vmap(lambda s, k: opt.update(s, x, d, key=k)))(states, step_keys)
    one = jax.jit(lambda s, k: opt.update(s, x, d, key=k))(opt.init((N_OUT, N_IN), key=init_keys[1]), step_keys[1])
    np.testing.assert_allclose(opt.weights(batched)[1], opt.weights(one), atol=1e-6)
    np.testing.assert_array_equal(batched.counts.pulses[0][1], one.counts.pulses[0])


def test_no_recompilation(getkey, count_compiles):
    opt = insitu.AnalogSGD(devices.ConstantStep(dw_min=0.001), lr=0.01)
    step = jax.jit(lambda s, x, d, k: opt.update(s, x, d, key=k))
    s = opt.init((N_OUT, N_IN), key=None)
    x1, d1, x2, d2 = (jr.normal(getkey(), sh) for sh in [(4, N_IN), (4, N_OUT)] * 2)
    k1, k2 = getkey(), getkey()
    s = step(s, x1, d1, k1)
    with count_compiles() as c:
        step(s, x2, d2, k2)
    assert c.count == 0


def test_forward_read_through_the_periphery(getkey):
    w = jr.uniform(getkey(), (N_OUT, N_IN), minval=-1, maxval=1)
    x = jr.normal(getkey(), (5, N_IN))
    read = eqx.filter_jit(lambda io, w, x, k: io.read(w, x, key=k))
    np.testing.assert_allclose(read(insitu.AnalogIO.ideal(), w, x, None), x @ w.T, rtol=1e-5, atol=1e-6)
    noisy = read(insitu.AnalogIO(), w, x, getkey())
    assert 0 < float(jnp.max(jnp.abs(noisy - x @ w.T))) < 1.0


def test_bad_input_raises(getkey):
    with pytest.raises(ValueError, match="update model"):
        insitu.AnalogSGD(asim.devices.PCM(), lr=0.01)
    with pytest.raises(ValueError, match="update model"):
        insitu.TikiTakaV2(asim.devices.ReRAM(), lr=0.01)
    with pytest.raises(ValueError, match="update model"):
        insitu.MixedPrecision(asim.devices.Ideal(), lr=0.01)
    with pytest.raises(ValueError, match="pulse train length"):
        insitu.AnalogSGD(devices.ConstantStep(dw_min=0.001), lr=0.1)  # 100 pulses per unit update > BL = 31
    with pytest.raises(ValueError, match="BL"):
        insitu.AnalogSGD(devices.ConstantStep(), lr=0.01, pulse=insitu.PulseUpdate(bl=-3))
    opt = insitu.AnalogSGD(devices.ConstantStep(dw_min=0.001), lr=0.01)
    with pytest.raises(ValueError, match="batch"):
        opt.update(opt.init((N_OUT, N_IN), key=None), jnp.ones((N_IN,)), jnp.ones((N_OUT,)), key=getkey())


def test_initial_weights_by_pulses(getkey):
    dev = devices.ConstantStep(dw_min=0.01, dw_min_std=0.0)
    w0 = jnp.array([[0.3, -0.2, 0.0], [0.05, 0.1, -0.6]])
    for opt in (insitu.AnalogSGD(dev, lr=0.1), insitu.MixedPrecision(dev, lr=0.1), insitu.TikiTakaV2(dev, lr=0.1)):
        s = opt.init((2, 3), key=getkey(), w0=w0)
        np.testing.assert_allclose(opt.weights(s), jnp.clip(w0, -0.6, 0.6), atol=1e-5)
        assert int(s.counts.max_pulses_per_cell) == 0  # programming pulses are not training pulses
    with pytest.raises(ValueError, match="w0"):
        insitu.AnalogSGD(dev, lr=0.1).init((2, 3), key=getkey(), w0=jnp.zeros((3, 2)))
