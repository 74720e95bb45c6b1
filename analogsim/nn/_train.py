"""Hardware-aware training with any optax optimizer, with atomic checkpoint/resume after every epoch."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import _checkpoint, distributed as _dist
from .._config import CrossbarConfig
from .._crossbar import Crossbar
from .._custom_types import PRNGKeyArray
from .._validate import check_key
from ._attention import AttentionConfig
from ._linear import HWANoise


def _is_hardware(x) -> bool:
    return isinstance(x, (CrossbarConfig, AttentionConfig, HWANoise, Crossbar))


def trainable(model):
    """Filter spec of the trainable parameters: every inexact array except hardware descriptions (configs, noise
    settings, programmed crossbars)."""
    return jax.tree.map(
        lambda x: False if _is_hardware(x) else eqx.is_inexact_array(x), model, is_leaf=_is_hardware
    )


def hardware_fingerprint(model) -> str:
    """A short hash of everything in `model` that is not trained: the hardware descriptions (crossbar, attention
    and hardware-aware-training settings, with their numeric values where they are Python numbers) and the
    architecture. Stored in checkpoints, so that a run never silently resumes from one written for other hardware."""
    fixed = eqx.filter(model, trainable(model), inverse=True)
    return hashlib.sha256(eqx.tree_pformat(fixed, short_arrays=True).encode()).hexdigest()[:16]


class TrainResult(NamedTuple):
    model: Any
    """The trained model."""
    opt_state: Any
    """The optimizer state after the last epoch."""
    history: list
    """Mean training loss of every epoch (including epochs restored from a checkpoint)."""
    resumed_from: int
    """Number of epochs restored from the checkpoint (0 for a fresh run)."""


@eqx.filter_jit
def _epoch(model, opt_state, data, key, optimizer, loss_fn, batch_size, spec, batch_sharding):
    n = data[0].shape[0]
    nb = n // batch_size
    perm = jr.permutation(key, n)[: nb * batch_size]
    batches = jax.tree.map(lambda a: a[perm].reshape(nb, batch_size, *a.shape[1:]), data)
    if batch_sharding is not None:  # every mini-batch split over the mesh's `data` axis
        batches = jax.lax.with_sharding_constraint(batches, batch_sharding)
    params, static = eqx.partition(model, spec)

    def step(carry, xs):
        params, opt_state = carry
        batch, i = xs

        def lossf(p):
            return loss_fn(eqx.combine(p, static), batch, jr.fold_in(key, i + 1))

        loss, grads = jax.value_and_grad(lossf)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), (batches, jnp.arange(nb)))
    if batch_sharding is not None:  # parameters and optimizer state stay replicated, as they came in
        replicated = NamedSharding(batch_sharding.mesh, PartitionSpec())
        params, opt_state = jax.lax.with_sharding_constraint((params, opt_state), replicated)
    return eqx.combine(params, static), opt_state, jnp.mean(losses)


def _data_parallel(mesh: Mesh | None, batch_size: int) -> NamedSharding | None:
    """The sharding of the stacked mini-batches `(n_batches, batch_size, ...)`: batch rows over `data`."""
    if mesh is None:
        return None
    if not isinstance(mesh, Mesh) or "data" not in mesh.axis_names:
        raise ValueError(f"mesh must be a jax.sharding.Mesh with a 'data' axis (or None), got {mesh!r}")
    if batch_size % mesh.shape["data"]:
        raise ValueError(
            f"batch_size {batch_size} must be a multiple of the mesh's 'data' axis ({mesh.shape['data']} devices)"
        )
    return NamedSharding(mesh, PartitionSpec(None, "data"))


def _replicate(tree, mesh: Mesh):
    """Every array leaf of `tree` as a global array replicated on every device of `mesh` (all processes hold the
    same values: the same initial model and data, or the same checkpoint)."""
    replicated = NamedSharding(mesh, PartitionSpec())
    return jax.tree.map(lambda a: jax.device_put(a, replicated) if eqx.is_array(a) else a, tree)


def _check_train_args(data, epochs, batch_size, key) -> tuple:
    """`data` as a tuple of arrays with a common leading axis, after checking every argument of `train`."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    check_key(key)
    data = tuple(jnp.asarray(a) for a in (data if isinstance(data, (tuple, list)) else (data,)))
    n = data[0].shape[0]
    if any(a.shape[:1] != (n,) for a in data):
        raise ValueError(
            f"all data arrays must share their leading axis, got shapes {[a.shape for a in data]}"
        )
    if n < batch_size:
        raise ValueError(f"batch_size {batch_size} is larger than the data ({n} examples)")
    return data


def train(
    model,
    loss_fn: Callable,
    data: tuple,
    optimizer: optax.GradientTransformation,
    *,
    epochs: int,
    batch_size: int,
    key: PRNGKeyArray,
    checkpoint: str | os.PathLike | None = None,
    callback: Callable[[int, float, Any], None] | None = None,
    mesh: Mesh | None = None,
) -> TrainResult:
    """Train `model` with `optimizer` for `epochs` passes over `data`.

    Each epoch shuffles `data` (a tuple of arrays with a common leading axis) with `fold_in(key, epoch)`, cuts
    it into `len // batch_size` mini-batches (the remainder is dropped) and runs them in one jitted `lax.scan`;
    `loss_fn(model, batch, key)` gets a fresh key per mini-batch, which analog layers use for their
    hardware-aware training noise. Only `trainable` leaves are updated (hardware configs are not).

    With `checkpoint=PATH` the model, the optimizer state and the loss history are written atomically after every
    epoch (`analogsim.checkpoint` format), and a run started with an existing checkpoint resumes after its last
    finished epoch up to `epochs` in total: a killed run loses at most the epoch in progress, and, since every
    random draw is a function of `key` and the epoch, the resumed run ends in the same state as an uninterrupted
    one. A checkpoint written for another run (batch size, data size, hardware settings or architecture:
    `hardware_fingerprint`) or with more than `epochs` finished epochs raises `ValueError`.

    With `mesh` (a `jax.sharding.Mesh` with a `data` axis, e.g. `analogsim.distributed.mesh({"data": -1})`) the
    training is data-parallel: the model, the optimizer state and `data` are replicated on every device of the
    mesh, each mini-batch is split over the `data` axis, and XLA all-reduces the gradients (one SPMD program).
    The computation is the same as on one device: the same shuffles and the same per-mini-batch keys, and
    `jax.random` draws the same numbers whatever the sharding, so hardware-aware noise does not depend on the
    split. Only the order of floating-point sums changes (the batch mean is a sum of per-device partial sums):
    after a few steps the parameters agree with the one-device run to about 1e-6 relative (float32). In a
    multi-process run (`analogsim.distributed.initialize`) every process calls `train` with the same arguments
    and the same full `data`; the model comes back as global replicated arrays on every process, `callback`
    runs on every process, and only process 0 writes the checkpoint (all processes read it to resume, so it must
    be on a shared file system).

    **Arguments:**

    - `model`: the model to train (any equinox model; analog layers keep their hardware settings fixed).
    - `loss_fn`: `loss_fn(model, batch, key) -> scalar`.
    - `data`: a tuple of arrays with a common leading axis (or one array).
    - `optimizer`: any optax optimizer.
    - `epochs`: the total number of epochs, checkpointed ones included (int >= 0).
    - `batch_size`: mini-batch size (positive int).
    - `key`: draws the shuffles and the per-mini-batch keys.
    - `checkpoint`: path of the checkpoint to write and resume from, or None.
    - `callback`: `callback(epoch, loss, model)`, run after each epoch (and after its checkpoint is written).
    - `mesh`: a mesh with a `data` axis to split each mini-batch over (data parallelism), or None for one device.
      `batch_size` must be a multiple of the `data` axis size.

    **Returns:**

    A `TrainResult`: the trained model, the optimizer state, the loss of every epoch and how many were resumed.
    """
    data = _check_train_args(data, epochs, batch_size, key)
    n = data[0].shape[0]
    batch_sharding = _data_parallel(mesh, batch_size)
    spec = trainable(model)
    opt_state = optimizer.init(eqx.filter(model, spec))
    run = {"batch_size": batch_size, "n_examples": int(n), "hardware": hardware_fingerprint(model)}
    ck = _checkpoint.resume(checkpoint, (model, opt_state), run=run, epochs=epochs)
    (model, opt_state), start, history = ck.tree, ck.epoch, ck.history
    if mesh is not None:
        model, opt_state, data = _replicate((model, opt_state, data), mesh)
    for epoch in range(start, epochs):
        model, opt_state, loss = _epoch(
            model, opt_state, data, jr.fold_in(key, epoch), optimizer, loss_fn, batch_size, spec, batch_sharding
        )
        history.append(float(loss))
        if checkpoint is not None:
            _save(checkpoint, (model, opt_state), epoch=epoch + 1, run=run, history=history)
        if callback is not None:
            callback(epoch, float(loss), model)
    return TrainResult(model=model, opt_state=opt_state, history=history, resumed_from=start)


def _save(path, tree, *, epoch: int, run: dict, history: list) -> None:
    """Process 0 writes the checkpoint (the replicated state is the same everywhere); the others wait for it,
    so that no process resumes from a half-written epoch."""
    if _dist.is_main_process():
        _checkpoint.save(path, tree, epoch=epoch, run=run, history=history)
    if _dist.process_count() > 1:
        multihost_utils.sync_global_devices(f"analogsim.nn.train checkpoint {epoch}")
