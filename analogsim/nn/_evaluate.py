"""Monte-Carlo drift evaluation of analog models: a metric at several times after programming, over many
programmings (vmapped over keys)."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec
from jaxtyping import Array, Float

from .. import distributed as _dist
from .._crossbar import _check_t
from .._custom_types import PRNGKeyArray
from .._validate import check_key
from ._analogize import age_model, program_model, with_drift_compensation

TIMES: dict[str, float] = {
    "1s": 1.0,
    "1h": 3600.0,
    "1d": 86400.0,
    "1mo": 30 * 86400.0,
    "1y": 365 * 86400.0,
}
"""The standard times after programming (seconds), keyed as in the report and the example scripts' JSON."""


class DriftResult(eqx.Module):
    """A metric at each time after programming for each of `n` programmings.

    **Attributes:**

    - `times`: the time labels (e.g. `"1d"`), in order.
    - `seconds`: the times in seconds.
    - `values`: the metric, shape (n_programmings, n_times).
    """

    times: tuple[str, ...] = eqx.field(static=True)
    seconds: tuple[float, ...] = eqx.field(static=True)
    values: Float[Array, "n_prog n_times"]

    def mean(self) -> dict[str, float]:
        """The metric's mean over the programmings, per time label."""
        v = np.asarray(self.values)
        return {t: float(v[:, i].mean()) for i, t in enumerate(self.times)}

    def std(self) -> dict[str, float]:
        """The metric's standard deviation over the programmings, per time label."""
        v = np.asarray(self.values)
        return {t: float(v[:, i].std()) for i, t in enumerate(self.times)}


def _check_times(times) -> dict[str, float]:
    if isinstance(times, dict):
        items = list(times.items())
    else:
        items = [(f"{float(t):g}s", t) for t in times]
    if not items:
        raise ValueError("times must not be empty")
    out = {}
    for label, t in items:
        _check_t(t)
        out[str(label)] = float(t)
    return out


def drift_trajectory(
    model, metric: Callable, times: dict[str, float] | tuple[float, ...], *, key: PRNGKeyArray
) -> Float[Array, " n_times"]:
    """One programming: program `model` with a key derived from `key`, then `metric(model_at_t, key_t)` at
    each time (`times`: seconds, or a dict label -> seconds, in order). The building block that
    `evaluate_drift` vmaps over keys."""
    seconds = list(times.values()) if isinstance(times, dict) else list(times)
    kp, kt, km = jr.split(key, 3)
    programmed = program_model(model, key=kp)

    def at_time(args):
        i, t = args
        aged = age_model(programmed, t, key=jr.fold_in(kt, i))
        return jnp.asarray(metric(aged, jr.fold_in(km, i)), jnp.float32)

    # A loop over the times (not unrolled): one compiled body whatever the number of times.
    return jax.lax.map(at_time, (jnp.arange(len(seconds)), jnp.asarray(seconds, jnp.float32)))


def evaluate_drift(
    model,
    metric: Callable,
    *,
    key: PRNGKeyArray,
    n_programmings: int = 10,
    times: dict | list | None = None,
    drift_compensation: bool | None = None,
    chunk: int | None = None,
    devices=None,
) -> DriftResult:
    """Monte-Carlo evaluation of an analog model over time after programming.

    For each of `n_programmings` keys (`jr.split(key, n)`) the model is programmed, aged to each time in
    `times` (default `TIMES`: 1 s, 1 h, 1 day, 1 month, 1 year) and scored with
    `metric(model, key) -> scalar` (accuracy, loss...). The programmings run in parallel with `vmap` over keys
    (`chunk`: at most that many at once, the rest in a `lax.map` loop, to bound memory).

    With `devices` (e.g. `jax.devices()`) the programmings are split over those devices, one block of keys per
    device (`jax.shard_map`, no communication until the results are gathered). After
    `analogsim.distributed.initialize`, `jax.devices()` spans every process: each process calls
    `evaluate_drift` with the same arguments, runs its devices' programmings, and gets every programming's
    values back. Programming `i` always uses the `i`-th key, so the values do not depend on the number of
    devices or processes (`n_programmings` need not divide evenly: the last block is padded and the padding
    dropped).

    **Arguments:**

    - `model`: an analog model (unprogrammed: it is programmed once per key).
    - `metric`: `metric(model, key) -> scalar`, evaluated on the aged model.
    - `key`: split into one key per programming.
    - `n_programmings`: the number of Monte-Carlo programmings (positive int).
    - `times`: seconds after programming, as a dict label -> seconds or a sequence (default `TIMES`).
    - `drift_compensation`: None keeps each layer's config; True/False switches global drift compensation on/off
      in every analog layer.
    - `chunk`: at most this many programmings at once (None: all), per device with `devices`.
    - `devices`: the devices (of one or all processes) to split the programmings over, or None for the default
      device.

    **Returns:**

    A `DriftResult` with the metric of every programming at every time.
    """
    if isinstance(n_programmings, bool) or not isinstance(n_programmings, int) or n_programmings < 1:
        raise ValueError(f"n_programmings must be a positive int, got {n_programmings!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk must be a positive int or None, got {chunk!r}")
    check_key(key)
    times = _check_times(TIMES if times is None else times)
    if drift_compensation is not None:
        model = with_drift_compensation(model, drift_compensation)
    keys = jr.split(key, n_programmings)
    # times go in as a tuple: a dict would come out of jit's flattening with its keys sorted, not in time order
    if devices is None:
        values = _run(model, metric, tuple(times.values()), keys, chunk)
    else:
        values = _run_sharded(model, metric, tuple(times.values()), keys, chunk, devices)
    return DriftResult(times=tuple(times), seconds=tuple(times.values()), values=values)


def _programmings(model, metric, times, keys, chunk):
    """`drift_trajectory` of every key: vmapped, in blocks of `chunk` keys when given."""
    one = lambda k: drift_trajectory(model, metric, times, key=k)
    if chunk is None or chunk >= keys.shape[0]:
        return jax.vmap(one)(keys)
    return jax.lax.map(one, keys, batch_size=chunk)


_run = eqx.filter_jit(_programmings)


def _run_sharded(model, metric, times, keys, chunk, devices) -> Float[Array, "n_prog n_times"]:
    """`_programmings` with the keys split over `devices` (all processes' devices allowed), gathered back."""
    devices = list(devices)
    if not devices:
        raise ValueError("devices must be a non-empty sequence of jax devices, or None for the default device")
    mesh = _dist.mesh({"programmings": -1}, devices=devices)
    n = keys.shape[0]
    impl = jr.key_impl(keys) if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key) else None  # None: raw keys
    key_data = keys if impl is None else jr.key_data(keys)
    pad = -n % len(devices)
    if pad:  # copies of the last key: their values are computed and dropped
        key_data = jnp.concatenate([key_data, jnp.repeat(key_data[-1:], pad, axis=0)])
    key_data = jax.device_put(key_data, NamedSharding(mesh, PartitionSpec("programmings")))
    arrays, static = eqx.partition(model, eqx.is_array)
    arrays = jax.device_put(arrays, NamedSharding(mesh, PartitionSpec()))
    values = _run_on_mesh(arrays, static, metric, times, key_data, impl, chunk, mesh)
    return jnp.asarray(_dist.gather(values)[:n])


@eqx.filter_jit
def _run_on_mesh(arrays, static, metric, times, key_data, impl, chunk, mesh):
    def local(arrays, key_data):  # one device's block of programmings
        keys = key_data if impl is None else jr.wrap_key_data(key_data, impl=impl)
        return _programmings(eqx.combine(arrays, static), metric, times, keys, chunk)

    spec = PartitionSpec("programmings")
    # check_vma=False: the metric may hold `eqx.error_if` checks, whose `lax.cond` branches shard_map's
    # replication typing cannot match; each block is independent, so there is nothing for it to check
    sharded = jax.shard_map(local, mesh=mesh, in_specs=(PartitionSpec(), spec), out_specs=spec, check_vma=False)
    return sharded(arrays, key_data)
