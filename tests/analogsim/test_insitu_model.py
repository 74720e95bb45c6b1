"""In-situ training of a whole model (`analogsim.insitu.InsituTrainer`): the tap of the pulsed update, the pulses of
one step, the digital leaves' optax update, jit/vmap, bad input, checkpoints."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import analogsim as asim
from analogsim import checkpoint, devices, insitu
from analogsim.nn import AnalogLinear, TinyTransformer, analogize, apply_linear, program_model, sequence_loss

IDEAL = asim.CrossbarConfig.ideal()


class Net(eqx.Module):
    """Two analog layers around a digital LayerNorm; one example is `(positions, 3)`."""

    fc1: eqx.Module
    ln: eqx.nn.LayerNorm
    fc2: eqx.Module

    def __init__(self, key):
        k1, k2 = jr.split(key)
        self.fc1 = eqx.nn.Linear(3, 5, key=k1)
        self.ln = eqx.nn.LayerNorm(5)
        self.fc2 = eqx.nn.Linear(5, 2, key=k2)

    def __call__(self, x, *, key=None):
        k1, k2 = (None, None) if key is None else jr.split(key)
        h = jnp.tanh(apply_linear(self.fc1, x, key=k1))
        return apply_linear(self.fc2, jax.vmap(self.ln)(h), key=k2)


def net_loss(model, example, key):
    x, target = example
    return jnp.mean((model(x, key=key) - target) ** 2)


def reference_loss(w1, b1, ln_w, ln_b, w2, b2, x, target, e1, e2):
    """The same network in plain float math, with perturbations `e1`, `e2` added to the layers' outputs."""
    y1 = x @ w1.T + b1 + e1
    h = jnp.tanh(y1)
    mu = h.mean(-1, keepdims=True)
    var = h.var(-1, keepdims=True)
    h = (h - mu) / jnp.sqrt(var + 1e-5) * ln_w + ln_b
    y2 = h @ w2.T + b2 + e2
    return jnp.mean((y2 - target) ** 2)


MODEL = analogize(Net(jr.key(0)), IDEAL)
X = jr.normal(jr.key(1), (4, 2, 3))
BATCH = (X, jr.normal(jr.key(2), (4, 2, 2)))
NOISELESS = devices.ConstantStep(dw_min=0.001, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
TRAINER = insitu.InsituTrainer(insitu.MixedPrecision(NOISELESS, lr=0.01), optax.adam(0.01), io=insitu.AnalogIO.ideal())
"""Mixed precision on a noiseless constant-step device, Adam on the digital leaves, ideal reads: every number of a
step follows from the float network's gradients."""
STEP = eqx.filter_jit(TRAINER.step)


def _reference(state):
    """Gradients of the float network's mean loss w.r.t. its leaves and (per example) its layers' outputs `d`."""
    eff = TRAINER.effective_model(MODEL, state)
    leaves = (eff.fc1.weight, eff.fc1.bias, eff.ln.weight, eff.ln.bias, eff.fc2.weight, eff.fc2.bias)
    x, target = BATCH
    e1 = jnp.zeros(x.shape[:-1] + (5,))
    e2 = jnp.zeros(x.shape[:-1] + (2,))

    def mean_loss(leaves, e1, e2):
        per = jax.vmap(lambda xb, tb, a, b: reference_loss(*leaves, xb, tb, a, b))(x, target, e1, e2)
        return jnp.mean(per)

    return jax.grad(mean_loss, argnums=(0, 1, 2))(leaves, e1, e2)


def test_taps_equal_inputs_and_output_gradients(getkey):
    state = TRAINER.init(MODEL, key=getkey())
    _, taps, _ = eqx.filter_jit(TRAINER.taps)(MODEL, state, net_loss, BATCH, key=getkey())
    _, d1, d2 = _reference(state)
    eff = TRAINER.effective_model(MODEL, state)
    h = jax.vmap(jax.vmap(eff.ln))(jnp.tanh(X @ eff.fc1.weight.T + eff.fc1.bias))
    (x1, g1), (x2, g2) = taps
    np.testing.assert_allclose(x1, X.reshape(-1, 3), atol=1e-6)
    np.testing.assert_allclose(x2, h.reshape(-1, 5), atol=1e-6)
    np.testing.assert_allclose(g1, d1.reshape(-1, 5), atol=1e-6)
    np.testing.assert_allclose(g2, d2.reshape(-1, 2), atol=1e-6)


@pytest.mark.slow  # 16 s; the taps are checked against float gradients on an MLP in the default run
def test_transformer_taps_give_the_weight_gradient(getkey):
    """On the tiny transformer (attention projections included), `sum_samples d x^T` of every analog layer is the
    gradient of the float model's loss w.r.t. that layer's weight."""
    digital = TinyTransformer(8, 4, 1, 1, 4, key=getkey())
    model = analogize(digital, IDEAL, attention="projections")
    opt = insitu.AnalogSGD(devices.ConstantStep(dw_min=0.001, dw_min_std=0.0, w_min=-1.0, w_max=1.0), lr=0.01)
    trainer = insitu.InsituTrainer(opt, optax.sgd(0.1), io=insitu.AnalogIO.ideal())
    state = trainer.init(model, key=getkey())
    tokens = jr.randint(getkey(), (2, 5), 0, 8)
    loss = lambda m, t, k: sequence_loss(m, t[None], k)  # noqa: E731
    _, taps, _ = eqx.filter_jit(trainer.taps)(model, state, loss, tokens, key=getkey())
    assert len(taps) == 7 and taps[0][0].shape == (2 * 4, 4)
    # the float model: the digital transformer holding the arrays' weights
    is_linear = lambda x: isinstance(x, eqx.nn.Linear)  # noqa: E731
    linears = lambda m: [x for x in jax.tree.leaves(m, is_leaf=is_linear) if is_linear(x)]  # noqa: E731
    effective = [layer.weight for layer in insitu.analog_layers(trainer.effective_model(model, state))]
    digital = eqx.tree_at(lambda m: [x.weight for x in linears(m)], digital, effective)
    grads = eqx.filter_jit(eqx.filter_grad(lambda m: sequence_loss(m, tokens)))(digital)
    for layer, (x, d) in zip(linears(grads), taps, strict=True):
        np.testing.assert_allclose(d.T @ x, layer.weight, atol=1e-6)


def test_analog_sgd_step_pulses_exactly(getkey):
    """Every slot of the trains fires when `lr |d / scale| |x| / dw_min = BL` with equal magnitudes: each cell gets
    exactly BL pulses against the sign of its gradient (float32 rounding of a firing probability of 1 aside, which
    the fixed keys do not meet)."""
    dw, bl = 0.001, 31
    dev = devices.ConstantStep(dw_min=dw, dw_min_std=0.0, w_min=-1.0, w_max=1.0)
    # largest |w0| = 0.25 maps to 0.5 of the range: scale = 0.5; the array gets d / 0.5, so lr = BL dw 0.5.
    opt = insitu.AnalogSGD(dev, lr=bl * dw * 0.5)
    w0 = 0.0005 * jr.randint(getkey(), (2, 3), -400, 400).astype(jnp.float32)
    w0 = w0.at[0, 0].set(0.25)
    layer = AnalogLinear(3, 2, config=IDEAL, key=None, use_bias=False, weight=w0)
    trainer = insitu.InsituTrainer(opt, optax.sgd(0.0), io=insitu.AnalogIO.ideal())
    state = trainer.init(layer, key=getkey())
    np.testing.assert_allclose(state.scales[0], 0.5)
    sign_x = jnp.array([1.0, -1.0, 1.0])
    c = jnp.array([1.0, -1.0])
    loss = lambda m, x, k: jnp.sum(c * m(x, key=k))  # noqa: E731
    _, state2, _ = eqx.filter_jit(trainer.step)(layer, state, loss, sign_x[None], key=getkey())
    moved = trainer.effective_model(layer, state2).weight - w0
    expected = -bl * dw * 0.5 * c[:, None] * sign_x[None, :]
    np.testing.assert_allclose(moved, expected, atol=1e-5)  # float32 sums of the initial pulses
    np.testing.assert_array_equal(state2.layers[0].counts.pulses[0], bl)
    stats = insitu.pulse_stats(state2)
    assert float(stats["pulses_per_weight"]) == bl and int(stats["max_pulses_per_cell"]) == bl


def test_mixed_precision_step_and_digital_leaves(getkey):
    """Mixed precision pulses `trunc(-lr (d / scale)^T x / dw_min)`; the digital leaves get exactly the optax update of
    the same loss."""
    state = TRAINER.init(MODEL, key=getkey())
    new, state2, _ = STEP(MODEL, state, net_loss, BATCH, key=getkey())
    (gw1, gb1, gln_w, gln_b, gw2, gb2), _, _ = _reference(state)
    params = (MODEL.fc1.bias, MODEL.fc2.bias, MODEL.ln.weight, MODEL.ln.bias)
    grads = (gb1, gb2, gln_w, gln_b)
    adam = optax.adam(0.01)
    updates, _ = adam.update(grads, adam.init(params), params)
    for old, upd, u in zip(params, (new.fc1.bias, new.fc2.bias, new.ln.weight, new.ln.bias), updates, strict=True):
        np.testing.assert_allclose(upd, old + u, atol=1e-6)
    for i, (g, layer) in enumerate(((gw1, new.fc1), (gw2, new.fc2))):
        s = state.scales[i]
        n = np.clip(np.trunc(np.asarray(-0.01 * g / s / 0.001)), -31, 31)
        w_before = TRAINER.optimizer.weights(state.layers[i])
        w_after = TRAINER.optimizer.weights(state2.layers[i])
        assert np.abs(n).sum() > 0
        np.testing.assert_allclose(w_after - w_before, n * 0.001, atol=1e-6)
        np.testing.assert_array_equal(state2.layers[i].counts.pulses[0], np.abs(n))
        np.testing.assert_allclose(layer.weight, s * w_after, rtol=1e-6)


def test_step_jits_without_recompiling(getkey, count_compiles):
    state = TRAINER.init(MODEL, key=getkey())
    k1, k2 = getkey(), getkey()
    model, state, _ = STEP(MODEL, state, net_loss, BATCH, key=k1)
    with count_compiles() as c:
        model, state, loss = STEP(model, state, net_loss, BATCH, key=k2)
        loss.block_until_ready()
    assert c.count == 0
    assert int(state.step) == 2


def test_vmap_over_seeds(getkey):
    """Two seeds of a device with device-to-device spread and noisy reads, in one vmapped step."""
    dev = devices.ConstantStep(dw_min=0.001, dw_min_dtod=0.3, w_min=-1.0, w_max=1.0)
    trainer = insitu.InsituTrainer(insitu.MixedPrecision(dev, lr=0.01), optax.adam(0.01))

    def run(key):
        k_init, k_step = jr.split(key)
        return trainer.step(MODEL, trainer.init(MODEL, key=k_init), net_loss, BATCH, key=k_step)[1:]

    states, losses = jax.jit(jax.vmap(run))(jr.split(getkey(), 2))
    assert losses.shape == (2,)
    assert trainer.optimizer.weights(states.layers[0]).shape == (2, 5, 3)
    assert not np.allclose(losses[0], losses[1])


def test_bad_input(getkey):
    trainer = insitu.InsituTrainer(insitu.AnalogSGD(devices.ConstantStep(), lr=0.01), optax.sgd(0.1))
    with pytest.raises(ValueError, match="no AnalogLinear"):
        trainer.init(Net(getkey()), key=getkey())
    programmed = program_model(analogize(Net(getkey()), IDEAL), key=getkey())
    with pytest.raises(ValueError, match="programmed"):
        trainer.init(programmed, key=getkey())
    with pytest.raises(ValueError, match="update model"):
        insitu.MixedPrecision(devices.PCM(), lr=0.01)
    with pytest.raises(ValueError, match="optimizer"):
        insitu.InsituTrainer(optax.sgd(0.1), optax.sgd(0.1))
    with pytest.raises(ValueError, match="fill"):
        insitu.InsituTrainer(insitu.AnalogSGD(devices.ConstantStep(), lr=0.01), optax.sgd(0.1), fill=1.5)
    state = TRAINER.init(MODEL, key=getkey())
    twice = lambda m, ex, k: net_loss(m, ex, k) + net_loss(m, ex, k)  # noqa: E731
    with pytest.raises(ValueError, match="more than once"):
        TRAINER.step(MODEL, state, twice, BATCH, key=getkey())
    noisy = insitu.InsituTrainer(TRAINER.optimizer, optax.sgd(0.1))
    with pytest.raises(ValueError, match="pass key"):
        noisy.read_model(MODEL, state)(X[0])


def test_checkpoint_round_trip(getkey, tmp_path):
    state = TRAINER.init(MODEL, key=getkey())
    model, state, _ = STEP(MODEL, state, net_loss, BATCH, key=getkey())
    path = tmp_path / "insitu.ckpt"
    checkpoint.save(path, (model, state), epoch=1, run={"name": "test"}, history=[0.5])
    ck = checkpoint.load(path, (MODEL, TRAINER.init(MODEL, key=getkey())))
    assert ck.epoch == 1 and ck.history == [0.5]
    for a, b in zip(jax.tree.leaves((model, state)), jax.tree.leaves(ck.tree), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
