"""The binarized 8x8 digits benchmark of the RBM examples and of the report: data, baseline and training recipe.

Shared by ``examples/rbm_digits.py`` and the ``ebm`` section of ``analogsim report``, so that both train the same
model from the same key and report the same numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from analogsim import io as _io
from ebm import RBM, Trainer, TrainState, load_checkpoint

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
"""The training recipe of :func:`train_digits_rbm` (tempered persistent contrastive divergence)."""


def load_binary_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download) binarized at 8 (pixel >= 8), split 80/20 with
    ``random_state=0``: ``(train, test)`` float32 arrays of shape (N, 64) with values in {0, 1}."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x = (load_digits().data >= 8).astype(np.float32)
    train, test = train_test_split(x, test_size=0.2, random_state=0)
    return train, test


def independent_pixels_ll(train: np.ndarray, test: np.ndarray) -> float:
    """Average test log-likelihood (nats per image) of independent Bernoulli pixels fitted on ``train`` (pixel
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
    callback: Callable[[int, TrainState], None] | None = None,
) -> TrainState:
    """Train a ``64 x n_hidden`` RBM on ``train`` with :data:`DIGITS_RBM_RECIPE`: tempered PCD (300 persistent
    chains run by parallel tempering over 4 temperatures, one round per step), batch 10, Adam with cosine decay of
    the learning rate from 0.005 to 0 over the run, L2 weight decay 5e-4. Visible biases start at the data's log-odds.

    ``key`` fixes everything (initialisation, chains, batches); ``checkpoint`` and ``callback`` go to
    :meth:`Trainer.fit` (a killed run resumes from its last finished epoch). Next to the checkpoint, ``PATH.run.json``
    records the run (recipe, sizes, epochs, key); resuming a checkpoint written for another run raises
    ``ValueError`` instead of silently continuing it (the cosine schedule depends on ``epochs``)."""
    r = DIGITS_RBM_RECIPE
    train = np.asarray(train, np.float32)
    if checkpoint is not None:
        _check_run(
            checkpoint,
            {
                "recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in r.items()},
                "n_hidden": int(n_hidden),
                "epochs": int(epochs),
                "train_shape": list(train.shape),
                "key": np.asarray(jr.key_data(key)).tolist(),
            },
        )
    k_init, k_chains, k_fit = jr.split(key, 3)
    rbm = RBM.init(train.shape[1], n_hidden, key=k_init, visible_mean=train.mean(0))
    steps = epochs * (train.shape[0] // r["batch_size"])
    opt = optax.chain(
        optax.add_decayed_weights(r["weight_decay"]),
        optax.adam(optax.cosine_decay_schedule(r["lr"], steps)),
    )
    trainer = Trainer(optimizer=opt, method=r["method"], k=r["k"], n_chains=r["n_chains"], betas=r["betas"])
    state = trainer.init(rbm, key=k_chains)
    if checkpoint is not None and os.path.exists(checkpoint):
        state = load_checkpoint(checkpoint, state)
    done = int(state.step) // (train.shape[0] // r["batch_size"])
    return trainer.fit(
        state,
        jnp.asarray(train),
        key=k_fit,
        epochs=max(epochs - done, 0),
        batch_size=r["batch_size"],
        checkpoint=checkpoint,
        callback=callback,
    )


def _check_run(checkpoint: str | os.PathLike, run: dict) -> None:
    """Refuse to resume ``checkpoint`` if its ``.run.json`` describes another run; write it for a new run."""
    side = f"{os.fspath(checkpoint)}.run.json"
    if os.path.exists(side):
        with open(side) as f:
            old = json.load(f)
        if old != run:
            diff = sorted(k for k in set(old) | set(run) if old.get(k) != run.get(k))
            raise ValueError(
                f"checkpoint {os.fspath(checkpoint)!r} belongs to another run (differs in {', '.join(diff)}): use "
                "a new checkpoint path or delete it"
            )
    else:
        _io.write_json(side, run)
