import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import analogsim as asim
import analogsim.nn as ann


class _Killed(Exception):
    pass


def _setup(key, make_mlp):
    kx, kw, km = jr.split(key, 3)
    x = jr.normal(kx, (96, 6))
    y = jnp.argmax(x @ jr.normal(kw, (6, 3)), axis=-1)
    cfg = asim.CrossbarConfig(device=asim.devices.Ideal(), dac=asim.DAC(bits=6), adc=asim.ADC(bits=6))
    model = ann.analogize(make_mlp((6, 16, 3), key=km), cfg, hwa=ann.HWANoise(0.05))

    def loss(m, batch, k):
        xb, yb = batch
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(m(xb, key=k)), yb[:, None], axis=-1))

    return model, loss, (x, y)


def _assert_same(a, b):
    la, lb = jax.tree.leaves(eqx.filter(a, eqx.is_array)), jax.tree.leaves(eqx.filter(b, eqx.is_array))
    assert len(la) == len(lb)
    for u, v in zip(la, lb, strict=True):
        np.testing.assert_array_equal(u, v)


def test_checkpoint_resume_restores_identical_state(getkey, tmp_path, make_mlp):
    model, loss, data = _setup(getkey(), make_mlp)
    key = getkey()
    opt = optax.adam(1e-2)
    kw = dict(epochs=4, batch_size=16, key=key)
    full = ann.train(model, loss, data, opt, **kw)
    assert full.resumed_from == 0 and len(full.history) == 4
    assert full.history[-1] < full.history[0]  # it learns through the noisy, quantized forward pass

    ckpt = tmp_path / "run.ckpt"

    def kill_after_second_epoch(epoch, loss_value, m):
        if epoch == 1:
            raise _Killed

    with pytest.raises(_Killed):
        ann.train(model, loss, data, opt, checkpoint=ckpt, callback=kill_after_second_epoch, **kw)
    # the two finished epochs are on disk, written atomically (no temporary file left behind)
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]
    stored = asim.checkpoint.load(ckpt, (model, opt.init(eqx.filter(model, ann.trainable(model)))))
    assert stored.epoch == 2 and stored.history == full.history[:2]

    resumed = ann.train(model, loss, data, opt, checkpoint=ckpt, **kw)
    assert resumed.resumed_from == 2
    assert resumed.history == full.history
    _assert_same(resumed.model, full.model)
    _assert_same(resumed.opt_state, full.opt_state)
    # a finished run resumes to the same state without training
    again = ann.train(model, loss, data, opt, checkpoint=ckpt, **kw)
    assert again.resumed_from == 4
    _assert_same(again.model, full.model)
    # a longer run continues from it to the new total; a shorter one refuses it rather than truncating
    kw5 = {**kw, "epochs": 5}
    longer = ann.train(model, loss, data, opt, checkpoint=ckpt, **kw5)
    assert longer.resumed_from == 4 and len(longer.history) == 5
    assert longer.history[:4] == full.history
    with pytest.raises(ValueError, match="more than the 4 asked for"):
        ann.train(model, loss, data, opt, checkpoint=ckpt, **kw)


def test_train_bad_inputs(getkey, tmp_path, make_mlp):
    model, loss, data = _setup(getkey(), make_mlp)
    opt = optax.sgd(0.1)
    with pytest.raises(ValueError, match="batch_size"):
        ann.train(model, loss, data, opt, epochs=1, batch_size=0, key=getkey())
    with pytest.raises(ValueError, match="larger than the data"):
        ann.train(model, loss, data, opt, epochs=1, batch_size=1000, key=getkey())
    with pytest.raises(ValueError, match="leading axis"):
        ann.train(model, loss, (data[0], data[1][:5]), opt, epochs=1, batch_size=8, key=getkey())
    ckpt = tmp_path / "c.ckpt"
    ann.train(model, loss, data, opt, epochs=1, batch_size=16, key=getkey(), checkpoint=ckpt)
    with pytest.raises(ValueError, match="batch_size: stored 16, this run 32"):
        ann.train(model, loss, data, opt, epochs=2, batch_size=32, key=getkey(), checkpoint=ckpt)
    # the same shapes on other hardware: refused, not silently resumed
    other = ann.analogize(make_mlp((6, 16, 3), key=getkey()), model.layers[0].config, hwa=ann.HWANoise(0.08))
    with pytest.raises(ValueError, match="differs in hardware"):
        ann.train(other, loss, data, opt, epochs=2, batch_size=16, key=getkey(), checkpoint=ckpt)
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not an analogsim checkpoint"):
        ann.train(
            model, loss, data, opt, epochs=1, batch_size=16, key=getkey(), checkpoint=tmp_path / "junk.ckpt"
        )


def test_hwa_training_updates_only_weights(getkey, make_mlp):
    model, loss, data = _setup(getkey(), make_mlp)
    out = ann.train(model, loss, data, optax.sgd(0.1), epochs=1, batch_size=32, key=getkey()).model
    assert not np.allclose(out.layers[0].weight, model.layers[0].weight)
    assert out.layers[0].config == model.layers[0].config  # hardware description untouched
    assert out.layers[0].hwa == model.layers[0].hwa
