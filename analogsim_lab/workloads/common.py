"""What every trained workload shares: progress messages and the training call with its checkpoint."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import optax

from analogsim.nn import train

Progress = Callable[[str], None] | None
"""A callback that gets one-line progress messages, or `None` for silence."""

BATCH_SIZE = 32
"""Mini-batch size of every training run of the workloads."""


def say(progress: Progress, msg: str) -> None:
    """Send `msg` to `progress` unless it is `None`."""
    if progress is not None:
        progress(msg)


def fit(
    model,
    loss_fn: Callable,
    data: tuple,
    optimizer: optax.GradientTransformation,
    *,
    epochs: int,
    key,
    checkpoint_dir: str | os.PathLike | None,
    name: str,
):
    """Train `model` with `analogsim.nn.train` in mini-batches of `BATCH_SIZE`, checkpointed (and resumed) as
    `<checkpoint_dir>/<name>.ckpt` when `checkpoint_dir` is given.

    **Arguments:**

    - `model`, `loss_fn`, `data`, `optimizer`, `epochs`, `key`: as for `analogsim.nn.train`.
    - `checkpoint_dir`: folder of the workload's checkpoints, or `None` for none.
    - `name`: the run's name inside that folder.

    **Returns:**

    The trained model.
    """
    checkpoint = None if checkpoint_dir is None else Path(checkpoint_dir) / f"{name}.ckpt"
    return train(
        model,
        loss_fn,
        data,
        optimizer,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        key=key,
        checkpoint=checkpoint,
    ).model
