"""The shared digits recipe: data, baseline, and a killed training run that resumes to the uninterrupted result."""

import jax
import jax.random as jr
import numpy as np
import pytest

from analogsim_lab import rbm_digits


def test_binary_digits_split():
    train, test = rbm_digits.load_binary_digits()
    assert train.shape == (1437, 64) and test.shape == (360, 64)
    assert set(np.unique(train)) == {0.0, 1.0}
    # the independent-pixel baseline, image by image
    p = np.clip(train.mean(0), 1e-3, 1 - 1e-3)
    by_hand = np.mean([np.sum(np.where(x > 0, np.log(p), np.log(1 - p))) for x in test])
    assert rbm_digits.independent_pixels_ll(train, test) == pytest.approx(by_hand, rel=1e-6)


class _Kill(Exception):
    pass


def test_train_digits_rbm_resumes_after_kill(tmp_path):
    train, _ = rbm_digits.load_binary_digits()
    train = train[:200]
    key = jr.key(3)
    record = lambda e, st: {"b0": float(st.model.b[0])}  # noqa: E731
    full = rbm_digits.train_digits_rbm(train, 4, 3, key=key, callback=record)

    ck = tmp_path / "rbm.ckpt"

    def die(e, st):
        if e == 1:
            raise _Kill
        return record(e, st)

    with pytest.raises(_Kill):
        rbm_digits.train_digits_rbm(train, 4, 3, key=key, checkpoint=ck, callback=die)
    resumed = rbm_digits.train_digits_rbm(train, 4, 3, key=key, checkpoint=ck, callback=record)
    assert int(resumed.state.step) == int(full.state.step) == 3 * (200 // 10)
    for a, b in zip(jax.tree.leaves(full.state.model), jax.tree.leaves(resumed.state.model), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert resumed.history == full.history  # the epoch finished before the kill kept its callback record


def test_train_digits_rbm_refuses_a_checkpoint_of_another_run(tmp_path):
    train, _ = rbm_digits.load_binary_digits()
    train = train[:100]
    ck = tmp_path / "rbm.ckpt"
    rbm_digits.train_digits_rbm(train, 3, 1, key=jr.key(0), checkpoint=ck)
    done = rbm_digits.train_digits_rbm(
        train, 3, 1, key=jr.key(0), checkpoint=ck
    )  # the same run: nothing to do
    assert len(done.history) == 1
    with pytest.raises(ValueError, match="another run.*epochs"):
        rbm_digits.train_digits_rbm(train, 3, 2, key=jr.key(0), checkpoint=ck)
    with pytest.raises(ValueError, match="another run.*key"):
        rbm_digits.train_digits_rbm(train, 3, 1, key=jr.key(1), checkpoint=ck)
