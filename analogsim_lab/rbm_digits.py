"""The binarized 8x8 digits benchmark of the RBM examples and of the report: data, baseline and training recipe.

Shared by `examples/rbm_digits.py` and the `ebm` section of `analogsim report`, so that both train the same model
from the same key and report the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from ebm import RBM, Trainer, TrainResult, TrainState

DIGITS_RBM_EPOCHS = 600
"""Epochs of the full 64x20 run (exact test log-likelihood -17.83, -17.86, -18.13 nats/image for seeds 0, 1, 2;
300 epochs gave -17.94 and -17.97 for seeds 0 and 1)."""

DIGITS_RBM_RECIPE = {
    "method": "pt",
    "betas": (1.0, 0.9, 0.8, 0.7),
    "k": 1,
    "n_chains": 300,
    "batch_size": 10,
    "lr": 0.005,
    "schedule": "cosine decay to 0",
    "optimizer": "adam",
    "weight_decay": 5e-4,
}
"""The training recipe of `train_digits_rbm` (tempered persistent contrastive divergence)."""


def load_binary_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download) binarized at 8 (pixel >= 8), split 80/20 with
    `random_state=0`: `(train, test)` float32 arrays of shape (N, 64) with values in {0, 1}."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x = (load_digits().data >= 8).astype(np.float32)
    train, test = train_test_split(x, test_size=0.2, random_state=0)
    return train, test


def independent_pixels_ll(train: np.ndarray, test: np.ndarray) -> float:
    """Average test log-likelihood (nats per image) of independent Bernoulli pixels fitted on `train` (pixel
    probabilities floored at 1e-3 so that a pixel never on in training stays finite on test)."""
    p = np.clip(np.asarray(train).mean(0), 1e-3, 1 - 1e-3)
    test = np.asarray(test)
    return float(np.mean(np.sum(test * np.log(p) + (1 - test) * np.log1p(-p), axis=1)))


def train_digits_rbm(
    train: np.ndarray,
    n_hidden: int,
    epochs: int,
    *,
    key: PRNGKeyArray,
    checkpoint: str | os.PathLike | None = None,
    callback: Callable[[int, TrainState], dict | None] | None = None,
) -> TrainResult:
    """Train a `64 x n_hidden` RBM on `train` with `DIGITS_RBM_RECIPE`: tempered PCD (300 persistent chains run by
    parallel tempering over 4 temperatures, one round per step), batch 10, Adam with cosine decay of the learning
    rate from 0.005 to 0 over the run, L2 weight decay 5e-4. Visible biases start at the data's log-odds.

    `key` fixes everything (initialisation, chains, batches). `checkpoint` and `callback` go to `ebm.Trainer.fit`:
    a killed run resumes from its last finished epoch with its history (the callback's records included), and a
    checkpoint of another run (recipe, `n_hidden`, `epochs`, data or key) raises `ValueError` instead of being
    continued (the cosine schedule depends on `epochs`, so a different total is another run).

    **Returns:**

    The `ebm.TrainResult` of the run: the final state and the per-epoch history.
    """
    r = DIGITS_RBM_RECIPE
    train = np.asarray(train, np.float32)
    k_init, k_chains, k_fit = jr.split(key, 3)
    rbm = RBM.init(train.shape[1], n_hidden, key=k_init, visible_mean=train.mean(0))
    steps = epochs * (train.shape[0] // r["batch_size"])
    opt = optax.chain(
        optax.add_decayed_weights(r["weight_decay"]),
        optax.adam(optax.cosine_decay_schedule(r["lr"], steps)),
    )
    trainer = Trainer(optimizer=opt, method=r["method"], k=r["k"], n_chains=r["n_chains"], betas=r["betas"])
    return trainer.fit(
        trainer.init(rbm, key=k_chains),
        jnp.asarray(train),
        key=k_fit,
        epochs=epochs,
        batch_size=r["batch_size"],
        checkpoint=checkpoint,
        run={"recipe": dict(r), "n_hidden": int(n_hidden), "epochs": int(epochs)},
        callback=callback,
    )
