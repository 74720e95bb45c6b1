"""Maximum-likelihood training: CD-k, persistent CD and tempered (parallel-tempering) PCD with any optax optimizer;
checkpoints through `analogsim.checkpoint`; held-out log-likelihood.

The log-likelihood gradient of an EBM with free energy `F` is `-E_data[dF/dtheta] + E_model[dF/dtheta]`. Each
step estimates the model term with samples `v-` and differentiates the surrogate loss
`mean F(v_data) - mean F(stop_gradient(v-))`, whose gradient is exactly the negative CD/PCD estimate, so any
optax optimizer minimises it. Negative samples come from (Hinton, Neural Comput. 14, 1771, 2002; Tieleman, ICML
2008; Desjardins et al., AISTATS 2010):

- `"cd"`: `k` Gibbs sweeps started at the data batch;
- `"pcd"`: `k` sweeps continuing persistent chains;
- `"pt"`: persistent chains run by parallel tempering over `betas` (samples at `betas[0] = 1`).
"""

from __future__ import annotations

import hashlib
import math
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

from analogsim import checkpoint as _checkpoint

from ._ais import ais_log_partition
from ._custom_types import PRNGKeyArray
from ._exact import can_enumerate, exact_log_likelihood
from ._models import AbstractEBM
from ._sampling import gibbs_sweep, pt_sweep, random_states
from ._validate import check_int, check_states, nonfinite_parameters, require_key

_METHODS = ("cd", "pcd", "pt")


class TrainState(NamedTuple):
    """Everything needed to continue training."""

    model: AbstractEBM
    """The model being trained."""
    opt_state: optax.OptState
    """The optimizer state."""
    chains: Float[Array, ...]
    """The persistent chains: (chains, n), or (n_temps, chains, n) for `"pt"`; `"cd"` keeps them unused."""
    step: Int[Array, ""]
    """Gradient steps taken."""


class TrainStepInfo(NamedTuple):
    """Statistics of one training step."""

    loss: Float[Array, ""]
    """The surrogate `mean F(data) - mean F(samples)` (its sign is meaningless, its trend is not)."""
    grad_norm: Float[Array, ""]
    """Global norm of the parameter gradient."""


class TrainResult(NamedTuple):
    """What `Trainer.fit` returns."""

    state: TrainState
    """The state after the last epoch."""
    history: list[dict]
    """One record per finished epoch (all of them, resumed ones included): `"epoch"` (1-based), the epoch's mean
    `"loss"` and `"grad_norm"` (absent for epochs trained before the state reached `fit` without a checkpoint),
    and whatever the callback returned for that epoch."""


def _finite(x) -> float | None:
    """A JSON-safe float (`None` for NaN or infinity)."""
    v = float(x)
    return v if math.isfinite(v) else None


def _check_diverged(epoch: int, record: dict, model: AbstractEBM) -> None:
    """Raise when training diverged in `epoch` (0-based): a non-finite mean loss or gradient norm in its `record`,
    or non-finite parameters after it."""
    bad = [k for k in ("loss", "grad_norm") if record[k] is None] + (nonfinite_parameters(model) or [])
    if bad:
        raise ValueError(
            f"training diverged in epoch {epoch + 1}: {', '.join(bad)} became NaN or infinite; use a smaller "
            "learning rate (or a stronger weight decay)"
        )


class Trainer(eqx.Module):
    """A training recipe (static configuration); its methods are pure functions of a `TrainState`.

    **Arguments:**

    - `optimizer`: any `optax.GradientTransformation`.
    - `method`: `"cd"`, `"pcd"` or `"pt"` (see the module docstring).
    - `k`: Gibbs sweeps per step (for `"pt"`: tempering rounds per step).
    - `n_chains`: persistent chains (`"pcd"`, `"pt"`).
    - `betas`: inverse temperatures for `"pt"` (strictly decreasing, `betas[0] = 1`).
    """

    optimizer: optax.GradientTransformation = eqx.field(static=True)
    method: str = eqx.field(static=True, default="pcd")
    k: int = eqx.field(static=True, default=1)
    n_chains: int = eqx.field(static=True, default=100)
    betas: tuple[float, ...] = eqx.field(static=True, default=(1.0, 0.9, 0.8, 0.7, 0.6, 0.5))

    def __check_init__(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        check_int(self.k, "k", 1)
        check_int(self.n_chains, "n_chains", 1)
        b = np.asarray(self.betas, dtype=np.float64)
        if b.ndim != 1 or len(b) < 2 or b[0] != 1.0 or np.any(np.diff(b) >= 0) or np.any(b <= 0):
            raise ValueError(
                f"betas must be strictly decreasing positive values starting at 1.0, got {self.betas}"
            )
        if not hasattr(self.optimizer, "init") or not hasattr(self.optimizer, "update"):
            raise ValueError("optimizer must be an optax.GradientTransformation (with init and update)")

    def init(self, model: AbstractEBM, *, key: PRNGKeyArray) -> TrainState:
        """Fresh optimizer state and random persistent chains."""
        require_key(key, "Trainer.init (initial chains)")
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
        if self.method in ("cd", "pcd"):
            start = data_state if self.method == "cd" else chains
            x = jax.lax.fori_loop(
                0, self.k, lambda t, x: gibbs_sweep(model, x, 1.0, jr.fold_in(key, t)), start
            )
            return x, (chains if self.method == "cd" else x)
        betas = jnp.asarray(self.betas, jnp.float32)
        xs = jax.lax.fori_loop(0, self.k, lambda t, xs: pt_sweep(model, xs, betas, key, t)[0], chains)
        return xs[0], xs

    @eqx.filter_jit
    def step(
        self, state: TrainState, batch: Float[Array, "b nv"], *, key: PRNGKeyArray
    ) -> tuple[TrainState, TrainStepInfo]:
        """One gradient step on a batch of visible data (b, n_visible)."""
        model = state.model
        k_data, k_neg = jr.split(jr.fold_in(key, state.step))
        data_state = model.visible_to_state(batch, k_data)
        x_neg, chains = self.negative_samples(model, state.chains, data_state, k_neg)
        v_neg = jax.lax.stop_gradient(x_neg[..., : model.n_visible])

        def loss_fn(m):
            return jnp.mean(jax.vmap(m.free_energy)(batch)) - jnp.mean(jax.vmap(m.free_energy)(v_neg))

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        params = eqx.filter(model, eqx.is_inexact_array)
        updates, opt_state = self.optimizer.update(grads, state.opt_state, params)
        model = eqx.apply_updates(model, updates)
        info = TrainStepInfo(loss, optax.tree.norm(grads))
        return TrainState(model, opt_state, chains, state.step + 1), info

    @eqx.filter_jit
    def epoch(self, state: TrainState, batches: Float[Array, "n b nv"], *, key: PRNGKeyArray):
        """`step` over every batch of `batches` (n_batches, batch, n_visible), as one `lax.scan`; returns the state
        and the stacked `TrainStepInfo` of the steps."""

        def body(s, b):
            return self.step(s, b, key=key)

        return jax.lax.scan(body, state, batches)

    def run_description(
        self, state: TrainState, data: jax.Array, *, key, batch_size: int, run: dict | None
    ) -> dict:
        """What a checkpoint of `fit` must match to be resumed: this recipe, the model's type and size, the batch
        size, the data (shape and SHA-256), the key, and the caller's `run` entries (e.g. an optimizer's settings,
        which `fit` cannot read)."""
        return {
            "trainer": {
                "method": self.method,
                "k": self.k,
                "n_chains": self.n_chains,
                "betas": list(self.betas),
            },
            "model": f"{type(state.model).__name__}({state.model.n_units} units)",
            "batch_size": batch_size,
            "data_shape": list(data.shape),
            "data_sha256": hashlib.sha256(np.asarray(data).tobytes()).hexdigest(),
            "key": np.asarray(jr.key_data(key)).tolist(),
            **(run or {}),
        }

    def fit(
        self,
        state: TrainState,
        data: Float[Array, "N nv"],
        *,
        key: PRNGKeyArray,
        epochs: int,
        batch_size: int = 100,
        checkpoint: str | os.PathLike | None = None,
        run: dict | None = None,
        callback: Callable[[int, TrainState], dict | None] | None = None,
    ) -> TrainResult:
        """Train until `epochs` epochs in total have run (passes over `data`, shuffled each epoch by
        `jr.fold_in(key, epoch)`; a final partial batch is dropped).

        **Arguments:**

        - `state`: where to start (`Trainer.init`); a state that already ran some epochs continues from there.
        - `data`: visible training data (N, n_visible).
        - `key`: fixes the shuffles and the samples; each epoch depends only on `key`, its number and the state,
            so an interrupted run resumed to the same total reproduces the uninterrupted one exactly.
        - `epochs`: the total number of epochs to reach.
        - `batch_size`: examples per gradient step.
        - `checkpoint`: a path written atomically after every epoch (`analogsim.checkpoint`); if it exists, training
            resumes from it, provided it belongs to this run (`Trainer.run_description`, else `ValueError`) and has
            at most `epochs` epochs.
        - `run`: extra entries of the run description (JSON-serialisable).
        - `callback`: `callback(epoch, state)` after each epoch (0-based); a dict it returns (JSON-serialisable) is
            added to that epoch's history record, and so kept in the checkpoint.

        **Returns:**

        A `TrainResult`: the final state and the per-epoch history. An epoch whose mean loss or gradient norm or
        whose resulting parameters are NaN or infinite (a learning rate too large for the model) raises
        `ValueError` naming the epoch, before the callback runs and before the checkpoint is written, so the
        checkpoint keeps the last finite epoch.
        """
        require_key(key, "Trainer.fit (shuffles and chains)")
        check_int(epochs, "epochs", 0)
        data = check_states(state.model, data, name="data", units=state.model.n_visible)
        if data.ndim != 2:
            raise ValueError(f"data must be (N, n_visible), got shape {data.shape}")
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not 1 <= batch_size <= data.shape[0]
        ):
            raise ValueError(f"batch_size must be an int in [1, {data.shape[0]}], got {batch_size!r}")
        n_batches = data.shape[0] // batch_size
        description = self.run_description(state, data, key=key, batch_size=batch_size, run=run)
        ck = _checkpoint.resume(checkpoint, state, run=description, epochs=epochs)
        state, history = ck.tree, list(ck.history)
        first = int(state.step) // n_batches
        if first > epochs:
            raise ValueError(f"the state has already run {first} epochs, more than the {epochs} asked for")
        history += [{"epoch": e + 1} for e in range(len(history), first)]
        for e in range(first, epochs):
            k = jr.fold_in(key, e)
            perm = jr.permutation(jr.fold_in(k, 0), data.shape[0])[: n_batches * batch_size]
            state, info = self.epoch(
                state, data[perm].reshape(n_batches, batch_size, -1), key=jr.fold_in(k, 1)
            )
            record = {
                "epoch": e + 1,
                "loss": _finite(jnp.mean(info.loss)),
                "grad_norm": _finite(jnp.mean(info.grad_norm)),
            }
            _check_diverged(e, record, state.model)
            if callback is not None:
                record.update(callback(e, state) or {})
            history.append(record)
            if checkpoint is not None:
                _checkpoint.save(checkpoint, state, epoch=e + 1, run=description, history=history)
        return TrainResult(state, history)


def log_likelihood(
    model: AbstractEBM,
    data: Float[Array, "N nv"],
    *,
    key: PRNGKeyArray | None = None,
    method: str = "auto",
    **ais_kwargs,
) -> Float[Array, ""]:
    """Average log-likelihood of held-out `data` in nats per example: `mean(-F(v)) - log Z`.

    `method="exact"` enumerates (`ebm.exact_log_partition`), `"ais"` estimates `log Z` by `ebm.ais_log_partition`
    (needs `key`; extra keyword arguments go to it), `"auto"` is exact when the model can be enumerated and AIS
    otherwise."""
    if method not in ("auto", "exact", "ais"):
        raise ValueError(f"method must be 'auto', 'exact' or 'ais', got {method!r}")
    if method == "exact" or (method == "auto" and can_enumerate(model)):
        return exact_log_likelihood(model, data)
    if key is None:
        raise ValueError("the AIS log-likelihood is stochastic: pass key=...")
    data = check_states(model, data, name="data", units=model.n_visible)
    log_z = ais_log_partition(model, key=key, **ais_kwargs).log_z
    return -jnp.mean(jax.vmap(model.free_energy)(data.reshape(-1, model.n_visible))) - log_z
