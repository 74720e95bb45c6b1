"""Where the replicas of `hnn.solve` run: the device mesh they are sharded over, the placement of the search state
on it, and copies of results on the host (an all-gather only when several processes hold parts of them)."""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["replica_mesh", "shard_carry", "gather", "broadcast_from_first"]


def replica_mesh(devices, replicas: int) -> Mesh | None:
    """The 1-D device mesh the replicas are sharded over, or None for a single device.

    `devices=None` uses every local device, as many as divide `replicas` evenly; an explicit device list must divide
    `replicas`."""
    if devices is None:
        available = jax.local_devices()
        n = max(d for d in range(1, len(available) + 1) if replicas % d == 0)
        devices = available[:n]
    else:
        devices = list(devices)
        if not devices:
            raise ValueError(
                "`devices` must be a non-empty sequence of jax devices, or None for all of them."
            )
        if replicas % len(devices):
            raise ValueError(
                f"`replicas` ({replicas}) must be a multiple of the number of devices ({len(devices)}) to shard them."
            )
    if len(devices) == 1:
        return None
    return Mesh(np.asarray(devices), ("replicas",))


def shard_carry(carry, mesh: Mesh, replica_axis: int):
    """Place every per-replica array of `solve`'s loop carry on `mesh`, split along its replica axis."""

    def spec(ndim: int, axis: int) -> NamedSharding:
        parts = [None] * ndim
        parts[axis % ndim] = "replicas"
        return NamedSharding(mesh, PartitionSpec(*parts))

    state = jax.tree.map(
        lambda a: jax.device_put(a, spec(a.ndim, replica_axis)) if a.ndim else a, carry.state
    )
    per_replica = [jax.device_put(a, spec(1, 0)) for a in (carry.hit_step, carry.flips, carry.unsat)]
    return carry._replace(state=state, hit_step=per_replica[0], flips=per_replica[1], unsat=per_replica[2])


def gather(x) -> np.ndarray:
    """The array `x` as a full numpy array on every process: `analogsim.distributed.gather` when several processes
    hold parts of it (imported then only, as it loads the training stack), else the local copy."""
    if jax.process_count() == 1:
        return np.asarray(x)
    from analogsim import distributed

    return distributed.gather(x)


def broadcast_from_first(values: np.ndarray) -> np.ndarray:
    """Process 0's `values` on every process (the values themselves with one process)."""
    if jax.process_count() == 1:
        return values
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.broadcast_one_to_all(values))
