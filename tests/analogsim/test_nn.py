import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
import analogsim.nn as ann
from analogsim.devices import PCM, GainCell

IDEAL = asim.CrossbarConfig.ideal()


def _noisy_cfg(**kw):
    cfg = asim.CrossbarConfig.pcm_8bit(tile=(16, 16), adc_noise_std=0.02, drift_compensation=True)
    return dataclasses.replace(cfg, **kw)


def _mlp(key):
    return eqx.nn.MLP(12, 5, 24, 2, key=key)


def _transformer(key, **kw):
    return ann.TinyTransformer(32, 16, 2, 1, 12, key=key, **kw)


@eqx.filter_jit
def _fwd(model, tokens, key=None):
    return model(tokens, key=key)


@eqx.filter_jit
def _program(model, key=None):
    return ann.program_model(model, key=key)


@eqx.filter_jit
def _age(model, t, key=None):
    return ann.age_model(model, t, key=key)


# --- analogize / program / age -----------------------------------------------------------------------------------


def test_analogize_mlp_equals_original_under_ideal(getkey):
    mlp = _mlp(getkey())
    x = jr.normal(getkey(), (7, 12))
    amlp = ann.analogize(mlp, IDEAL)
    assert all(isinstance(layer, ann.AnalogLinear) for layer in amlp.layers)
    np.testing.assert_array_equal(amlp.layers[0].weight, mlp.layers[0].weight)  # weights kept
    y = jax.vmap(mlp)(x)
    np.testing.assert_allclose(jax.vmap(amlp)(x), y, rtol=1e-5, atol=1e-6)
    programmed = ann.program_model(amlp)
    np.testing.assert_allclose(jax.vmap(programmed)(x), y, rtol=1e-5, atol=1e-6)
    aged = ann.age_model(programmed, 86400.0)
    np.testing.assert_allclose(jax.vmap(aged)(x), y, rtol=1e-5, atol=1e-6)


def test_analogize_where_selects_layers(getkey):
    mlp = _mlp(getkey())
    kinds = lambda m: [type(layer).__name__ for layer in m.layers]
    one = ann.analogize(mlp, IDEAL, where=lambda m: m.layers[1])
    assert kinds(one) == ["Linear", "AnalogLinear", "Linear"]
    both = ann.analogize(mlp, IDEAL, where=lambda m: (m.layers[0], m.layers[1]))
    assert kinds(both) == ["AnalogLinear", "AnalogLinear", "Linear"]
    np.testing.assert_array_equal(both.layers[1].weight, mlp.layers[1].weight)


@pytest.mark.parametrize("attention", [None, "projections", "ideal"])
def test_analogize_transformer_equals_original_under_ideal(getkey, attention):
    model = _transformer(getkey())
    tokens = jr.randint(getkey(), (12,), 0, 32)
    att = ann.AttentionConfig.ideal() if attention == "ideal" else attention
    amodel = ann.analogize(model, IDEAL, attention=att)
    attn = amodel.blocks[0].attn
    if attention is None:
        assert isinstance(attn, eqx.nn.MultiheadAttention)
        assert isinstance(attn.query_proj, eqx.nn.Linear)  # left digital, projections included
    else:
        assert isinstance(attn, ann.AnalogAttention)
        assert (attn.attention_config is None) == (attention == "projections")
    assert isinstance(amodel.head, ann.AnalogLinear)
    y = _fwd(model, tokens)
    np.testing.assert_allclose(_fwd(amodel, tokens), y, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(_fwd(_program(amodel), tokens), y, rtol=1e-4, atol=2e-5)


def test_analog_attention_equals_eqx_attention_with_mask(getkey):
    mha = eqx.nn.MultiheadAttention(4, 16, use_query_bias=True, use_output_bias=True, key=getkey())
    aa = ann.AnalogAttention.from_mha(mha, IDEAL, ann.AttentionConfig.ideal())
    q, kv = jr.normal(getkey(), (5, 16)), jr.normal(getkey(), (7, 16))
    mask = jr.bernoulli(getkey(), 0.7, (5, 7)).at[:, 0].set(True)
    np.testing.assert_allclose(aa(q, kv, kv, mask), mha(q, kv, kv, mask), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(aa(q, kv, kv), mha(q, kv, kv), rtol=1e-4, atol=1e-5)


def test_programmed_model_matches_crossbars(getkey):
    mlp = _mlp(getkey())
    cfg = _noisy_cfg()
    k = getkey()
    pm = ann.program_model(ann.analogize(mlp, cfg), key=k)
    # layer i is programmed with fold_in(key, i): the same as programming its weights directly
    xb = asim.program(mlp.layers[1].weight, cfg, key=jr.fold_in(k, 1))
    np.testing.assert_array_equal(pm.layers[1].crossbar.w, xb.w)
    aged = ann.age_model(pm, 3600.0, key=getkey())
    assert float(aged.layers[0].crossbar.t_seconds) == 3600.0
    assert not np.allclose(aged.layers[0].crossbar.w, pm.layers[0].crossbar.w)  # drifted


def test_fully_analog_transformer_causal_jit_vmap_loop_no_retrace(getkey):
    # Converters with output noise, noisy 3-bit gain cells; ideal static devices keep the compile small.
    cfg = _noisy_cfg(device=asim.devices.Ideal(), drift_compensation=False)
    model = _program(ann.analogize(_transformer(getkey()), cfg, attention=ann.AttentionConfig()))
    tokens = jr.randint(getkey(), (3, 12), 0, 32)
    k = getkey()

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def fwd(m, t, key):
        return m(t, key=key)

    loop = np.stack([fwd(model, t, k) for t in tokens])  # three calls, one trace
    vmapped = eqx.filter_jit(lambda m, t: jax.vmap(lambda ti: m(ti, key=k))(t))(model, tokens)
    np.testing.assert_allclose(vmapped, loop, rtol=1e-4, atol=1e-5)
    # causal: positions before a change of the input see identical outputs, with all the noise on (noise draws
    # depend on positions, not on values)
    changed = tokens[0].at[7:].set((tokens[0][7:] + 5) % 32)
    y2 = fwd(model, changed, k)
    np.testing.assert_array_equal(loop[0][:7], y2[:7])
    assert not np.allclose(loop[0][7:], y2[7:])


def test_attention_retention_decay_follows_gain_cell_model(getkey):
    tau, dt = 1e-4, 2e-5
    cfg = ann.AttentionConfig.ideal()
    cfg = eqx.tree_at(
        lambda c: (c.device, c.t_token_s), cfg, (GainCell(bits=None, write_noise_std=0.0, tau_s=tau), dt)
    )
    q = jr.normal(getkey(), (6, 2, 4))
    k = jr.normal(getkey(), (6, 2, 4))
    s = jax.jit(lambda q, k: ann.analog_scores(cfg, q, k, key=None))(q, k)
    ages = np.abs(np.arange(6)[:, None] - np.arange(6)[None, :]) * dt
    expected = np.einsum("jhd,ihd->hji", q, k) / 2.0 * np.exp(-ages / tau)
    np.testing.assert_allclose(s, expected, rtol=1e-4, atol=1e-5)
    a = jax.nn.softmax(jr.normal(getkey(), (2, 6, 6)), axis=-1)
    v = jr.normal(getkey(), (6, 2, 3))
    out = jax.jit(lambda a, v: ann.analog_mix(cfg, a, v, key=None))(a, v)
    expected = np.einsum("hji,ihd->jhd", np.asarray(a) * np.exp(-ages / tau), v)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_default_attention_quantization(getkey):
    # 3-bit K/V as in Leroux et al.: one 3-bit cell per value, 8 levels spanning [-1, 1] (offset encoding)
    cfg = ann.AttentionConfig(device=GainCell(bits=3, write_noise_std=0.0))
    x = jr.uniform(getkey(), (1000,), minval=-1, maxval=1)
    stored = ann.write_dynamic(cfg.device, x, key=None, encoding=cfg.kv_encoding)
    levels = np.unique(np.round(np.asarray(stored) * 7, 4))
    np.testing.assert_allclose(levels, np.arange(-7, 8, 2))
    assert float(jnp.max(jnp.abs(stored - x))) <= 1 / 7 + 1e-6  # nearest level
    # the differential pair of 2-bit cells: 7 signed levels
    stored = ann.write_dynamic(GainCell(bits=2, write_noise_std=0.0), x, key=None, encoding="differential")
    np.testing.assert_allclose(np.unique(np.round(np.asarray(stored) * 3, 4)), np.arange(-3, 4))


def test_offset_encoding_reference_cell_statistics(getkey):
    # Continuous noisy cells: the value read is x + (n - n_ref) * 2 sigma, n_ref shared along the stored vector.
    sigma = 0.01
    dev = GainCell(bits=None, write_noise_std=sigma)
    x = jnp.zeros((4000, 16))
    err = np.asarray(ann.write_dynamic(dev, x, key=getkey(), encoding="offset"))
    assert np.std(err) == pytest.approx(2 * sigma * np.sqrt(2), rel=0.03)
    # errors of one vector are correlated through its reference cell: var(mean over the vector) = 4 s^2 (1 + 1/16)
    assert np.var(err.mean(1)) == pytest.approx(4 * sigma**2 * (1 + 1 / 16), rel=0.08)
    with pytest.raises(ValueError, match="encoding"):
        ann.write_dynamic(dev, x, key=getkey(), encoding="pairs")
    with pytest.raises(ValueError, match="kv_encoding"):
        ann.AttentionConfig(kv_encoding="pairs")


# --- gradients ---------------------------------------------------------------------------------------------------


def test_gradients_match_digital_under_ideal(getkey):
    mlp = _mlp(getkey())
    x, y = jr.normal(getkey(), (9, 12)), jr.normal(getkey(), (9, 5))
    grad = eqx.filter_jit(eqx.filter_grad(lambda m: jnp.mean((jax.vmap(m)(x) - y) ** 2)))
    g_dig = grad(mlp)
    amlp = ann.analogize(mlp, IDEAL)
    g_ana = grad(amlp)
    for ld, la in zip(g_dig.layers, g_ana.layers, strict=True):
        np.testing.assert_allclose(la.weight, ld.weight, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(la.bias, ld.bias, rtol=1e-4, atol=1e-6)
    # and through program_model (gradients reach the weights through the crossbar programming)
    g_prog = eqx.filter_jit(
        eqx.filter_grad(lambda m: jnp.mean((jax.vmap(ann.program_model(m))(x) - y) ** 2))
    )(amlp)
    for ld, la in zip(g_dig.layers, g_prog.layers, strict=True):
        np.testing.assert_allclose(la.weight, ld.weight, rtol=1e-4, atol=1e-6)


def _converter_model(make_mlp, bits, scale_inputs, key):
    cfg = dataclasses.replace(
        asim.CrossbarConfig.ideal(tile=(16, 16)),
        dac=asim.DAC(bits=bits, bound=1.0, scale_inputs=scale_inputs),
        adc=asim.ADC(bits=bits, bound=12.0),
    )
    mlp = make_mlp((12, 24, 5), key=key, activation=jax.nn.tanh)
    return ann.analogize(mlp, cfg, hwa=ann.HWANoise(0.05, kind="additive"))


def test_gradient_through_converters_and_hwa_noise_matches_finite_differences(getkey, make_mlp):
    # With the noise key fixed the forward pass is smooth in the weights (tanh MLP) but for the converters'
    # rounding; at 20 bits the rounding steps lie far below the finite-difference step, so the straight-through
    # gradient must be the slope. The training noise's scale (each row's max |w|) is a constant to the gradient,
    # as in aihwkit, so the direction leaves each row's largest weight alone: the differences then see the same
    # scale (additive noise: with `kind="pcm"` the noise shape also follows |w| / max|w| outside the gradient).
    # Central differences in float32, step 1e-3.
    x, y = jr.normal(getkey(), (32, 12)), jr.normal(getkey(), (32, 5))
    k, kd, km = getkey(), getkey(), getkey()

    def directional(bits):
        model = _converter_model(make_mlp, bits, True, km)  # DAC with scale_inputs
        params, static = eqx.partition(model, ann.trainable(model))
        assert jax.tree.leaves(params.layers[0].config) == []  # hardware settings are not trained
        f = eqx.filter_jit(lambda p: jnp.mean((eqx.combine(p, static)(x, key=k) - y) ** 2))
        leaves, treedef = jax.tree.flatten(params)
        d = [jr.normal(kk, leaf.shape) for kk, leaf in zip(jr.split(kd, len(leaves)), leaves, strict=True)]
        d = [
            jnp.where(jnp.abs(a) == jnp.abs(a).max(axis=1, keepdims=True), 0.0, b) if a.ndim == 2 else b
            for a, b in zip(leaves, d, strict=True)
        ]
        g = jax.tree.leaves(eqx.filter_jit(jax.grad(f))(params))
        shift = lambda s: jax.tree.unflatten(treedef, [a + s * b for a, b in zip(leaves, d, strict=True)])
        fd = (f(shift(1e-3)) - f(shift(-1e-3))) / 2e-3
        g = jnp.concatenate([a.ravel() for a in g])
        return g, float(jnp.vdot(g, jnp.concatenate([b.ravel() for b in d]))), float(fd)

    g20, ad20, fd20 = directional(20)
    assert ad20 == pytest.approx(fd20, rel=2e-2)
    # 8 bits: the rounded loss is a staircase, but the straight-through gradient passes the rounding as the
    # identity, so it stays the smooth model's gradient up to the 8-bit rounding of the values it is taken at
    g8, _, _ = directional(8)
    assert float(jnp.linalg.norm(g8 - g20) / jnp.linalg.norm(g20)) < 0.1


def test_gradient_matches_finite_differences_through_analog_attention(getkey):
    # Ideal converters, noiseless but leaky gain cells: the whole analog path is smooth, so central differences
    # (float64-free, step 1e-2 on a float32 model) agree with autodiff to about 1e-2 relative.
    cfg = eqx.tree_at(
        lambda c: (c.device, c.t_token_s),
        ann.AttentionConfig.ideal(),
        (GainCell(bits=None, write_noise_std=0.0, tau_s=1e-4), 1e-5),
    )
    att = ann.AnalogAttention(2, 8, config=IDEAL, attention_config=cfg, key=getkey())
    x = jr.normal(getkey(), (5, 8))
    f = jax.jit(
        lambda w: jnp.sum(
            jnp.sin(eqx.tree_at(lambda a: a.value_proj.weight, att, w)(x, x, x, ann.causal_mask(5)))
        )
    )
    w0 = att.value_proj.weight
    g = jax.grad(f)(w0)
    d = jr.normal(getkey(), w0.shape)
    eps = 1e-2
    fd = (f(w0 + eps * d) - f(w0 - eps * d)) / (2 * eps)
    np.testing.assert_allclose(float(jnp.vdot(g, d)), float(fd), rtol=2e-2)
    # with the default quantized, noisy arrays (straight-through converters) the gradient is finite and nonzero
    att_q = eqx.tree_at(lambda a: a.attention_config, att, ann.AttentionConfig())
    k = getkey()
    fq = lambda w: jnp.sum(jnp.sin(eqx.tree_at(lambda a: a.value_proj.weight, att_q, w)(x, x, x, key=k)))
    gq = jax.jit(jax.grad(fq))(w0)
    assert np.all(np.isfinite(gq)) and float(jnp.abs(gq).max()) > 0


# --- evaluation --------------------------------------------------------------------------------------------------


def test_vmapped_drift_evaluation_equals_loop(getkey, make_mlp):
    mlp = ann.analogize(make_mlp((12, 5), key=getkey()), _noisy_cfg())  # one layer: one crossbar to compile
    x, y = jr.normal(getkey(), (16, 12)), jr.normal(getkey(), (16, 5))
    metric = lambda m, k: jnp.mean((m(x, key=k) - y) ** 2)
    times = {"1s": 1.0, "1d": 86400.0, "1y": 3.15e7}
    key = getkey()
    res = ann.evaluate_drift(mlp, metric, key=key, n_programmings=4, times=times)
    assert res.values.shape == (4, 3) and res.times == ("1s", "1d", "1y")
    traj = eqx.filter_jit(lambda m, k: ann.drift_trajectory(m, metric, times, key=k))
    loop = np.stack([traj(mlp, k) for k in jr.split(key, 4)])
    np.testing.assert_allclose(res.values, loop, rtol=1e-5, atol=1e-6)
    assert set(res.mean()) == set(times) and all(v >= 0 for v in res.std().values())
    # programmings differ from each other
    assert np.std(np.asarray(res.values)[:, 0]) > 0


@pytest.mark.slow
def test_chunked_drift_evaluation_equals_loop(getkey, make_mlp):
    mlp = ann.analogize(make_mlp((12, 5), key=getkey()), _noisy_cfg())
    x, y = jr.normal(getkey(), (16, 12)), jr.normal(getkey(), (16, 5))
    metric = lambda m, k: jnp.mean((m(x, key=k) - y) ** 2)
    times = (1.0, 3600.0)
    key = getkey()
    chunked = ann.evaluate_drift(mlp, metric, key=key, n_programmings=5, times=times, chunk=2)
    assert chunked.times == ("1s", "3600s")
    traj = eqx.filter_jit(lambda m, k: ann.drift_trajectory(m, metric, times, key=k))
    loop = np.stack([traj(mlp, k) for k in jr.split(key, 5)])
    np.testing.assert_allclose(chunked.values, loop, rtol=1e-5, atol=1e-6)


def test_drift_compensation_switch(getkey):
    lin = ann.AnalogLinear(12, 5, config=_noisy_cfg(drift_compensation=False), key=getkey())
    on = ann.with_drift_compensation(lin, True)
    assert on.config.drift_compensation and not lin.config.drift_compensation
    np.testing.assert_array_equal(on.weight, lin.weight)  # the switch keeps the weights
    k = getkey()
    x = jr.normal(getkey(), (64, 12))
    y_ref = x @ lin.weight.T + lin.bias
    errs = {}
    for name, layer in (("off", lin), ("on", on)):
        aged = layer.program(key=k).at(3.15e7, key=k)
        errs[name] = float(jnp.linalg.norm(aged(x, key=k) - y_ref) / jnp.linalg.norm(y_ref))
    assert errs["on"] < errs["off"]  # a year of PCM drift is mostly removed by global compensation


# --- HWA noise, int8 baseline -------------------------------------------------------------------------------------


def test_hwa_weight_noise_statistics(getkey):
    w = jr.normal(getkey(), (64, 500))
    noise = ann.HWANoise(0.05).perturb(w, getkey()) - w
    rel = noise / jnp.max(jnp.abs(w), axis=1, keepdims=True)
    assert abs(float(jnp.std(rel)) / 0.05 - 1) < 0.01  # 32k samples: ~4 standard errors
    clipped = ann.HWANoise(0.05, clip_sigma=2.0).clip(w)
    assert float(jnp.max(jnp.abs(clipped))) <= 2.0 * float(jnp.std(w)) + 1e-6


@pytest.mark.parametrize("g_hat", [0.0, 0.1, 0.37, 0.8, 1.0])
def test_pcm_hwa_noise_std_equals_device_programming_noise(getkey, g_hat):
    # HWANoise(kind="pcm") takes its shape from the PCM device fit: with weight_noise_std = std(g_max) / g_max the
    # perturbation of a weight mapped to g = g_hat g_max is the device's programming noise in weight units.
    pcm = PCM()
    g_max = float(pcm.g_max_us)
    wmax = 0.5
    hwa = ann.HWANoise(float(pcm.prog_std_us(g_max)) / g_max, kind="pcm")
    w = jnp.asarray([[wmax, -g_hat * wmax, 0.25 * wmax]])
    expected = float(pcm.prog_std_us(g_hat * g_max)) / g_max * wmax
    assert float(hwa.std(w)[0, 1]) == pytest.approx(expected, rel=1e-6)
    # closed form of the fit (Nandakumar et al. 2019 / aihwkit PCMLikeNoiseModel) at g_max = 25 uS
    assert expected == pytest.approx((0.26348 + 1.9650 * g_hat - 1.1731 * g_hat**2) / 25 * wmax, rel=1e-6)
    # and the perturbation is drawn with that std
    big = jnp.broadcast_to(w, (20_000, 3))
    noise = np.asarray(hwa.perturb(big, getkey()) - big)
    assert np.std(noise[:, 1]) == pytest.approx(expected, rel=0.03)


def test_hwa_training_forward_is_noisy_and_inference_mode_is_not(getkey):
    lin = ann.AnalogLinear(12, 5, config=IDEAL, key=getkey(), hwa=ann.HWANoise(0.05))
    x = jr.normal(getkey(), (12,))
    y = lin.weight @ x + lin.bias
    assert not np.allclose(lin(x, key=getkey()), y, atol=1e-4)
    np.testing.assert_allclose(eqx.nn.inference_mode(lin)(x), y, rtol=1e-5, atol=1e-6)


def test_int8_baseline(getkey):
    mlp = _mlp(getkey())
    q = ann.quantize_int8(mlp)
    x = jr.normal(getkey(), (12,))
    layer = q.layers[0]
    W, b = mlp.layers[0].weight, mlp.layers[0].bias
    sw = jnp.max(jnp.abs(W), axis=1) / 127
    sx = jnp.max(jnp.abs(x)) / 127
    expected = (jnp.round(W / sw[:, None]) @ jnp.round(x / sx)) * sx * sw + b
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    y, yq = mlp(x), q(x)
    assert float(jnp.linalg.norm(yq - y) / jnp.linalg.norm(y)) < 0.02


# --- errors --------------------------------------------------------------------------------------------------------


def test_bad_inputs_raise(getkey):
    lin = ann.AnalogLinear(12, 5, config=IDEAL, key=getkey())
    with pytest.raises(ValueError, match=r"\(\.\.\., 12\)"):
        lin(jnp.ones(11))
    with pytest.raises(ValueError, match="shape"):
        ann.AnalogLinear(3, 2, config=IDEAL, key=None, weight=jnp.ones((3, 2)))
    with pytest.raises(ValueError, match="CrossbarConfig"):
        ann.AnalogLinear(3, 2, config=PCM(), key=getkey())
    model = eqx.nn.Sequential([eqx.nn.Conv1d(2, 3, 3, key=getkey()), eqx.nn.Linear(3, 2, key=getkey())])
    with pytest.raises(ValueError, match="cannot analogize a Conv1d"):
        ann.analogize(model, IDEAL, where=lambda m: m.layers[0])
    with pytest.raises(ValueError, match="found no eqx.nn.Linear"):
        ann.analogize(eqx.nn.Conv1d(2, 3, 3, key=getkey()), IDEAL)
    with pytest.raises(ValueError, match="attention must be"):
        ann.analogize(_mlp(getkey()), IDEAL, attention="gain cells")
    pm = ann.program_model(ann.analogize(_mlp(getkey()), _noisy_cfg()), key=getkey())
    with pytest.raises(ValueError, match=">= 0"):
        ann.age_model(pm, -1.0, key=getkey())
    with pytest.raises(ValueError, match="key"):
        ann.age_model(pm, 1.0)
    with pytest.raises(ValueError, match="programmed"):
        ann.age_model(ann.analogize(_mlp(getkey()), IDEAL), 1.0)
    with pytest.raises(ValueError, match="key"):
        ann.program_model(ann.analogize(_mlp(getkey()), _noisy_cfg()))
    noisy = ann.AnalogLinear(12, 5, config=IDEAL, key=getkey(), hwa=ann.HWANoise())
    with pytest.raises(ValueError, match="inference_mode"):
        noisy(jnp.ones(12))
    att = ann.AnalogAttention(2, 8, config=IDEAL, attention_config=ann.AttentionConfig(), key=getkey())
    with pytest.raises(ValueError, match="key"):
        att(jnp.ones((3, 8)), jnp.ones((3, 8)), jnp.ones((3, 8)))
    with pytest.raises(ValueError, match="mask"):
        att(jnp.ones((3, 8)), jnp.ones((3, 8)), jnp.ones((3, 8)), jnp.ones((2, 3), bool), key=getkey())
    with pytest.raises(ValueError, match="divisible"):
        ann.AnalogAttention(3, 8, config=IDEAL, key=getkey())
    with pytest.raises(ValueError, match="GainCell"):
        ann.AttentionConfig(device=PCM())
    with pytest.raises(ValueError, match="clip_sigma"):
        ann.HWANoise(clip_sigma=-1.0)
    with pytest.raises(ValueError, match="seq"):
        _transformer(getkey())(jnp.zeros(13, int))
    with pytest.raises(ValueError, match="n_programmings"):
        ann.evaluate_drift(pm, lambda m, k: 0.0, key=getkey(), n_programmings=0)
    with pytest.raises(ValueError, match=">= 0"):
        ann.evaluate_drift(pm, lambda m, k: 0.0, key=getkey(), times={"bad": -5.0})
    with pytest.raises(ValueError, match="noise_std"):
        ann.AttentionConfig(score_adc=asim.ADC(bits=8, bound=1.0, noise_std=0.01))


class _DropsTheKey(eqx.Module):
    """A model whose forward pass takes a key but does not hand it to its analog layer."""

    layer: ann.AnalogLinear

    def __call__(self, x, *, key=None):
        return self.layer(x)


def test_a_model_that_does_not_pass_its_key_down_is_told_so(getkey):
    for cfg, hwa in ((IDEAL, ann.HWANoise()), (_noisy_cfg(), None)):
        model = _DropsTheKey(ann.AnalogLinear(12, 5, config=cfg, key=getkey(), hwa=hwa))
        if hwa is None:
            model = ann.program_model(model, key=getkey())
        with pytest.raises(ValueError, match="must take a key and pass it down"):
            model(jnp.ones(12), key=getkey())


def test_int_keys_get_a_message_on_how_to_make_one(getkey, make_mlp):
    model = ann.analogize(make_mlp((12, 5), key=getkey()), _noisy_cfg())
    with pytest.raises(ValueError, match=r"jax\.random\.key\(0\)"):
        ann.program_model(model, key=0)
    pm = ann.program_model(model, key=getkey())
    with pytest.raises(ValueError, match=r"jax\.random\.key\(0\)"):
        ann.age_model(pm, 1.0, key=0)
    with pytest.raises(ValueError, match=r"jax\.random\.key\(0\)"):
        ann.evaluate_drift(model, lambda m, k: 0.0, key=0, n_programmings=2)


def test_model_gradients_need_filter_grad(getkey, make_mlp):
    # The documented way: eqx.filter_grad over the model (unprogrammed or programmed) equals jax.grad over the
    # weight arrays alone. Plain jax.grad over the whole model rejects the bool `inference` flag (and a programmed
    # array's key) before any layer runs; this test pins that down so the README and the docstring stay true.
    model = ann.analogize(make_mlp((12, 8, 5), key=getkey()), IDEAL)
    x = jr.normal(getkey(), (4, 12))
    loss = lambda m: jnp.sum(m(x) ** 2)
    for m in (model, ann.program_model(model)):
        g = eqx.filter_grad(loss)(m)
        w = [layer.weight for layer in m.layers]
        g_w = jax.grad(
            lambda ws, m=m: loss(eqx.tree_at(lambda m: [layer.weight for layer in m.layers], m, ws))
        )(w)
        for layer, gw in zip(g.layers, g_w, strict=True):
            np.testing.assert_allclose(layer.weight, gw, rtol=1e-5, atol=1e-6)
        with pytest.raises(TypeError, match="inexact"):
            jax.grad(loss)(m)
