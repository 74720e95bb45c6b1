"""Mixed precision whose digital unit runs an optax transformation on the accumulated gradient
(`analogsim.insitu.MixedPrecision(digital=...)`): the default path as `optax.sgd`, Adam's update by hand, the
digital operations counted, jit/vmap, bad input, and `InsituTrainer` with it."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import analogsim as asim
from analogsim import devices, insitu

DW = 0.001
NOISELESS = devices.ConstantStep(dw_min=DW, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
SHAPE = (3, 4)

_update = eqx.filter_jit(lambda opt, s, x, d, k: opt.update(s, x, d, key=k))


def _batches(key, n=3, batch=5):
    kx, kd = jr.split(key)
    return jr.normal(kx, (n, batch, SHAPE[1])), 0.3 * jr.normal(kd, (n, batch, SHAPE[0]))


def _run(opt, xs, ds, key):
    state = opt.init(SHAPE, key=None)
    for i, (x, d) in enumerate(zip(xs, ds, strict=True)):
        state = _update(opt, state, x, d, jr.fold_in(key, i))
    return state


def test_sgd_transform_is_the_plain_mixed_precision(getkey):
    xs, ds = _batches(getkey())
    key = getkey()
    plain = _run(insitu.MixedPrecision(NOISELESS, lr=0.05), xs, ds, key)
    viasgd = _run(insitu.MixedPrecision(NOISELESS, lr=0.05, digital=optax.sgd(0.05)), xs, ds, key)
    np.testing.assert_array_equal(viasgd.arrays[0].w, plain.arrays[0].w)
    np.testing.assert_array_equal(viasgd.buffer[0], plain.buffer)
    np.testing.assert_array_equal(viasgd.counts.pulses[0], plain.counts.pulses[0])
    assert int(plain.counts.pulses_total) > 0
    # sgd keeps no weight-shaped state: one extra operation per weight and update (the scaling)
    size = SHAPE[0] * SHAPE[1]
    assert float(viasgd.counts.digital_ops) == float(plain.counts.digital_ops) + 3 * size


def test_adam_update_reaches_the_accumulator(getkey):
    """On a noiseless constant-step device from `W = 0`, `W + chi` is everything the accumulator received:
    Adam's two updates, computed here by hand."""
    xs, ds = _batches(getkey(), n=2)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    state = _run(insitu.MixedPrecision(NOISELESS, lr=lr, digital=optax.adam(lr)), xs, ds, getkey())
    m = v = jnp.zeros(SHAPE)
    total = jnp.zeros(SHAPE)
    for t, (x, d) in enumerate(zip(xs, ds, strict=True), start=1):
        g = d.T @ x
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        total = total - lr * (m / (1 - b1**t)) / (jnp.sqrt(v / (1 - b2**t)) + eps)
    chi, _ = state.buffer
    np.testing.assert_allclose(state.arrays[0].w + chi, total, atol=1e-6)
    assert jnp.all(jnp.abs(chi) < DW + 1e-6)  # what is left is below one step
    # Adam keeps two weight-shaped moments: 1 + 4 * 2 = 9 extra operations per weight and update
    size = SHAPE[0] * SHAPE[1]
    assert float(state.counts.digital_ops) == 2 * (5 * size + 2 * size + 9 * size)


def test_momentum_counts(getkey):
    xs, ds = _batches(getkey(), n=1)
    state = _run(insitu.MixedPrecision(NOISELESS, lr=0.05, digital=optax.sgd(0.05, momentum=0.9)), xs, ds,
                 getkey())
    size = SHAPE[0] * SHAPE[1]
    assert float(state.counts.digital_ops) == 5 * size + 2 * size + 5 * size


def test_jit_and_vmap_over_seeds(getkey):
    dev = devices.ecram_tang2018()
    opt = insitu.MixedPrecision(dev, lr=0.01, digital=optax.adam(0.01))
    x, d = jr.normal(getkey(), (5, SHAPE[1])), jr.normal(getkey(), (5, SHAPE[0]))
    keys = jr.split(getkey(), 3)

    def run(k):
        k1, k2 = jr.split(k)
        return opt.update(opt.init(SHAPE, key=k1), x, d, key=k2)

    batched = eqx.filter_jit(jax.vmap(run))(keys)
    for i in range(3):
        one = run(keys[i])
        np.testing.assert_allclose(batched.arrays[0].w[i], one.arrays[0].w, atol=1e-6)
        np.testing.assert_allclose(batched.buffer[0][i], one.buffer[0], atol=1e-6)
    assert batched.buffer[0].shape == (3,) + SHAPE


def test_bad_digital_transform():
    with pytest.raises(ValueError, match="digital must be an optax.GradientTransformation"):
        insitu.MixedPrecision(NOISELESS, lr=0.01, digital=lambda g: g)


def test_trainer_with_adam_mixed_precision(getkey):
    model = asim.nn.analogize(eqx.nn.Linear(4, 3, key=getkey()), asim.CrossbarConfig.ideal())
    opt = insitu.MixedPrecision(NOISELESS, lr=0.01, digital=optax.adam(0.01))
    trainer = insitu.InsituTrainer(opt, optax.adam(0.01), io=insitu.AnalogIO.ideal())
    state = trainer.init(model, key=getkey())
    batch = (jr.normal(getkey(), (8, 4)), jr.normal(getkey(), (8, 3)))

    def loss_fn(m, example, key):
        x, y = example
        return jnp.mean((asim.nn.apply_linear(m, x, key=key) - y) ** 2)

    step = eqx.filter_jit(trainer.step)
    losses = []
    for i in range(20):
        model, state, loss = step(model, state, loss_fn, batch, key=jr.fold_in(getkey(), i))
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert int(state.layers[0].buffer[1][0].count) == 20  # Adam's step count, kept in the layer's state


def test_weight_decay_acts_on_the_weights_not_the_accumulator(getkey):
    """With no gradient (`d = 0`), decoupled weight decay adds `-lr wd W` to `chi`: it reads the array's weights.
    Small enough that no pulse fires, so `chi` holds exactly that."""
    lr, wd = 0.01, 0.05
    opt = insitu.MixedPrecision(NOISELESS, lr=lr, digital=optax.chain(optax.add_decayed_weights(wd), optax.sgd(lr)))
    w0 = jnp.linspace(-0.5, 0.5, SHAPE[0] * SHAPE[1]).reshape(SHAPE)
    state = opt.init(SHAPE, key=getkey(), w0=w0)
    w = state.arrays[0].w
    assert float(jnp.max(jnp.abs(w - w0))) <= DW  # pulsed to within a step of w0
    x, d = jnp.ones((2, SHAPE[1])), jnp.zeros((2, SHAPE[0]))
    new = _update(opt, state, x, d, getkey())
    np.testing.assert_allclose(new.buffer[0], -lr * wd * w, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(new.arrays[0].w, w)
