"""Maximum-likelihood training: CD-k, persistent CD and tempered (parallel-tempering) PCD with any optax optimizer;
atomic checkpoints; held-out log-likelihood.

The log-likelihood gradient of an EBM with free energy ``F`` is ``-E_data[dF/dtheta] + E_model[dF/dtheta]``. Each
step estimates the model term with samples ``v-`` and differentiates the surrogate loss
``mean F(v_data) - mean F(stop_gradient(v-))``, whose gradient is exactly the negative CD/PCD estimate, so any
optax optimizer minimises it. Negative samples come from (Hinton, Neural Comput. 14, 1771, 2002; Tieleman, ICML
2008; Desjardins et al., AISTATS 2010):

- ``"cd"``: ``k`` Gibbs sweeps started at the data batch;
- ``"pcd"``: ``k`` sweeps continuing persistent chains;
- ``"pt"``: persistent chains run by parallel tempering over ``betas`` (samples at ``betas[0] = 1``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jaxtyping import Array, Float, Int

from analogsim import io as _io

from ._ais import ais_log_partition
from ._custom_types import PRNGKeyArray
from ._exact import can_enumerate, exact_log_likelihood
from ._models import RBM, AbstractEBM, check_states
from ._sampling import _pt_swap, gibbs_sweep, random_states

_METHODS = ("cd", "pcd", "pt")


class TrainState(NamedTuple):
    """Everything needed to continue training: the model, the optimizer state, the persistent chains ((chains, n)
    or (n_temps, chains, n) for ``"pt"``; CD keeps them unused) and the step count."""

    model: AbstractEBM
    opt_state: optax.OptState
    chains: Float[Array, ...]
    step: Int[Array, ""]


class StepInfo(NamedTuple):
    """``loss``: the surrogate ``mean F(data) - mean F(samples)`` (its sign is meaningless, its trend is not);
    ``grad_norm``: global norm of the parameter gradient."""

    loss: Float[Array, ""]
    grad_norm: Float[Array, ""]


def _visible_to_state(model: AbstractEBM, v: jax.Array, key) -> jax.Array:
    """Complete visible data to a full state: for an RBM sample the hidden layer given ``v``."""
    if isinstance(model, RBM):
        ph = jax.nn.sigmoid(model.b + v @ model.W)
        h = (jr.uniform(key, ph.shape) < ph).astype(v.dtype)
        return jnp.concatenate([v, h], axis=-1)
    return v


class Trainer(eqx.Module):
    """A training recipe (static configuration); its methods are pure functions of a :class:`TrainState`.

    Attributes:
        optimizer: any ``optax.GradientTransformation``.
        method: ``"cd"``, ``"pcd"`` or ``"pt"`` (see the module docstring).
        k: Gibbs sweeps per step (for ``"pt"``: tempering rounds per step).
        n_chains: persistent chains (``"pcd"``, ``"pt"``).
        betas: inverse temperatures for ``"pt"`` (decreasing, ``betas[0] = 1``).
    """

    optimizer: optax.GradientTransformation = eqx.field(static=True)
    method: str = eqx.field(static=True, default="pcd")
    k: int = eqx.field(static=True, default=1)
    n_chains: int = eqx.field(static=True, default=100)
    betas: tuple[float, ...] = eqx.field(static=True, default=(1.0, 0.9, 0.8, 0.7, 0.6, 0.5))

    def __check_init__(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        for name in ("k", "n_chains"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        b = np.asarray(self.betas, dtype=np.float64)
        if b.ndim != 1 or len(b) < 2 or b[0] != 1.0 or np.any(np.diff(b) >= 0) or np.any(b <= 0):
            raise ValueError(
                f"betas must be strictly decreasing positive values starting at 1.0, got {self.betas}"
            )
        if not hasattr(self.optimizer, "init") or not hasattr(self.optimizer, "update"):
            raise ValueError("optimizer must be an optax.GradientTransformation (with init and update)")

    def init(self, model: AbstractEBM, *, key: PRNGKeyArray) -> TrainState:
        """Fresh optimizer state and random persistent chains."""
        if key is None:
            raise ValueError("Trainer.init draws the initial chains: pass key=...")
        params = eqx.filter(model, eqx.is_inexact_array)
        if self.method == "pt":
            chains = jax.vmap(lambda k: random_states(model, self.n_chains, key=k))(
                jr.split(key, len(self.betas))
            )
        else:
            chains = random_states(model, self.n_chains, key=key)
        return TrainState(model, self.optimizer.init(params), chains, jnp.zeros((), jnp.int32))

    def negative_samples(self, model, chains, data_state, key):
        """The model samples for one step and the new persistent chains."""
        if self.method == "cd":
            x = jax.lax.fori_loop(
                0, self.k, lambda t, x: gibbs_sweep(model, x, 1.0, jr.fold_in(key, t)), data_state
            )
            return x, chains
        if self.method == "pcd":
            x = jax.lax.fori_loop(
                0, self.k, lambda t, x: gibbs_sweep(model, x, 1.0, jr.fold_in(key, t)), chains
            )
            return x, x
        betas = jnp.asarray(self.betas, jnp.float32)

        def round_(t, xs):
            k_sweep, k_swap = jr.split(jr.fold_in(key, t))
            xs = jax.vmap(lambda x, b, i: gibbs_sweep(model, x, b, jr.fold_in(k_sweep, i)))(
                xs, betas, jnp.arange(len(self.betas))
            )
            return _pt_swap(model, xs, betas, k_swap, t % 2)[0]

        xs = jax.lax.fori_loop(0, self.k, round_, chains)
        return xs[0], xs

    @eqx.filter_jit
    def step(
        self, state: TrainState, batch: Float[Array, "b nv"], *, key: PRNGKeyArray
    ) -> tuple[TrainState, StepInfo]:
        """One gradient step on a batch of visible data (b, n_visible)."""
        model = state.model
        k_data, k_neg = jr.split(jr.fold_in(key, state.step))
        data_state = _visible_to_state(model, batch, k_data)
        x_neg, chains = self.negative_samples(model, state.chains, data_state, k_neg)
        v_neg = jax.lax.stop_gradient(x_neg[..., : model.n_visible])

        def loss_fn(m):
            return jnp.mean(jax.vmap(m.free_energy)(batch)) - jnp.mean(jax.vmap(m.free_energy)(v_neg))

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        params = eqx.filter(model, eqx.is_inexact_array)
        updates, opt_state = self.optimizer.update(grads, state.opt_state, params)
        model = eqx.apply_updates(model, updates)
        info = StepInfo(loss, optax.tree.norm(grads))
        return TrainState(model, opt_state, chains, state.step + 1), info

    @eqx.filter_jit
    def epoch(self, state: TrainState, batches: Float[Array, "n b nv"], *, key: PRNGKeyArray):
        """``step`` over every batch of ``batches`` (n_batches, batch, n_visible), as one ``lax.scan``."""

        def body(s, b):
            return self.step(s, b, key=key)

        return jax.lax.scan(body, state, batches)

    def fit(
        self,
        state: TrainState,
        data: Float[Array, "N nv"],
        *,
        key: PRNGKeyArray,
        epochs: int,
        batch_size: int = 100,
        checkpoint: str | os.PathLike | None = None,
        callback: Callable[[int, TrainState], None] | None = None,
    ) -> TrainState:
        """Train for ``epochs`` passes over ``data`` (shuffled each epoch by ``jr.fold_in(key, epoch)``; a final
        partial batch is dropped). After each epoch the state is checkpointed atomically to ``checkpoint`` (if
        given) and ``callback(epoch, state)`` is called. Epochs are numbered from ``state.step`` (a resumed state
        continues at the epoch it reached) and each depends only on ``key``, its number and the state, so
        ``load_checkpoint`` + ``fit`` for the remaining epochs reproduces the uninterrupted run exactly."""
        if key is None:
            raise ValueError("Trainer.fit shuffles data and samples chains: pass key=...")
        model = state.model
        data = check_states(model, data, name="data", units=model.n_visible)
        if data.ndim != 2:
            raise ValueError(f"data must be (N, n_visible), got shape {data.shape}")
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not 1 <= batch_size <= data.shape[0]
        ):
            raise ValueError(f"batch_size must be an int in [1, {data.shape[0]}], got {batch_size!r}")
        n_batches = data.shape[0] // batch_size
        steps_per_epoch = n_batches
        first = int(state.step) // steps_per_epoch
        for e in range(first, first + epochs):
            k = jr.fold_in(key, e)
            perm = jr.permutation(jr.fold_in(k, 0), data.shape[0])[: n_batches * batch_size]
            batches = data[perm].reshape(n_batches, batch_size, -1)
            state, _ = self.epoch(state, batches, key=jr.fold_in(k, 1))
            if checkpoint is not None:
                save_checkpoint(checkpoint, state)
            if callback is not None:
                callback(e, state)
        return state


def save_checkpoint(path: str | os.PathLike, state: TrainState) -> None:
    """Write ``state`` (every array leaf, via ``eqx.tree_serialise_leaves``) to ``path`` atomically: a reader never
    sees a partial file, and a run killed while writing leaves the previous checkpoint intact."""
    buf = io.BytesIO()
    eqx.tree_serialise_leaves(buf, state)
    _io.write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike, like: TrainState) -> TrainState:
    """Read a checkpoint written by :func:`save_checkpoint` into the structure of ``like`` (e.g. ``trainer.init``
    of a model with the same shapes). Raises ``ValueError`` if the file does not match."""
    if not os.path.exists(path):
        raise ValueError(f"no checkpoint at {os.fspath(path)!r}")
    with open(path, "rb") as f:
        try:
            return eqx.tree_deserialise_leaves(f, like)
        except Exception as err:  # shape or structure mismatch
            raise ValueError(
                f"checkpoint {os.fspath(path)!r} does not match the given state structure: {err}"
            ) from err


def log_likelihood(
    model: AbstractEBM,
    data: Float[Array, "N nv"],
    *,
    key: PRNGKeyArray | None = None,
    method: str = "auto",
    **ais_kwargs,
) -> Float[Array, ""]:
    """Average log-likelihood of held-out ``data`` in nats per example: ``mean(-F(v)) - log Z``.

    ``method="exact"`` enumerates (:func:`exact_log_partition`), ``"ais"`` estimates ``log Z`` by
    :func:`ais_log_partition` (needs ``key``; extra keyword arguments go to it), ``"auto"`` is exact when the model
    can be enumerated and AIS otherwise."""
    if method not in ("auto", "exact", "ais"):
        raise ValueError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")
    if method == "exact" or (method == "auto" and can_enumerate(model)):
        return exact_log_likelihood(model, data)
    if key is None:
        raise ValueError("the AIS log-likelihood is stochastic: pass key=...")
    data = check_states(model, data, name="data", units=model.n_visible)
    log_z = ais_log_partition(model, key=key, **ais_kwargs).log_z
    return -jnp.mean(jax.vmap(model.free_energy)(data.reshape(-1, model.n_visible))) - log_z
