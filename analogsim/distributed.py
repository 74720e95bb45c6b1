"""Scale-out on JAX's multi-controller runtime: one program, many processes, one global device mesh.

Every process runs the same script. `initialize` joins the processes into one runtime (from explicit arguments, or
from the cluster environment JAX detects: SLURM, Open MPI, cloud TPU), `mesh` lays all devices of all processes out
on named axes, `from_local` builds a global array from each process's share of the data and `gather` brings a
global result back to every process as a numpy array. On one process all four are cheap no-ops in effect, so a
script written this way runs unchanged on a laptop.

```python
import analogsim.distributed as dist

dist.initialize()                                # no-op unless a cluster (or arguments) says otherwise
mesh = dist.mesh({"data": -1})                   # every device of every process on one axis
xs = dist.from_local(mesh, "data", local_batch)  # this process's rows of the global batch
...
if dist.is_main_process():
    write_results(dist.gather(result))
```

Collectives between processes on CPU use Gloo (`jax_cpu_collectives_implementation`), set here before the runtime
starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["initialize", "is_main_process", "mesh", "from_local", "gather", "process_count", "process_index"]

# Environment variables by which JAX's cluster detection (or the user) announces a multi-process job.
_CLUSTER_MARKERS = ("JAX_COORDINATOR_ADDRESS", "SLURM_JOB_ID", "OMPI_COMM_WORLD_SIZE", "TPU_WORKER_HOSTNAMES")


def _cluster_detected() -> bool:
    if os.environ.get("SLURM_JOB_ID") and int(os.environ.get("SLURM_NTASKS", "1")) <= 1:
        return False  # a single-task SLURM job is one process: nothing to join
    if os.environ.get("OMPI_COMM_WORLD_SIZE") == "1":
        return False
    return any(os.environ.get(name) for name in _CLUSTER_MARKERS)


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    local_device_ids: int | Sequence[int] | None = None,
) -> bool:
    """Join this process to a multi-process JAX runtime, or do nothing on a single process.

    With no arguments the runtime is started only when the environment announces a multi-process job (SLURM with
    more than one task, Open MPI with more than one rank, `JAX_COORDINATOR_ADDRESS`, a cloud TPU slice); otherwise
    this returns `False` and changes nothing. Calling it again after the runtime is up is a no-op.

    **Arguments:**

    - `coordinator_address`: `host:port` of process 0's coordinator service.
    - `num_processes`: the number of processes in the job.
    - `process_id`: this process's index, `0 <= process_id < num_processes`.
    - `local_device_ids`: restrict this process to these local devices (e.g. one GPU per process).

    **Returns:**

    `True` when the multi-process runtime is (now) running, `False` for a plain single-process run.
    """
    explicit = (coordinator_address, num_processes, process_id)
    if any(a is not None for a in explicit) and any(a is None for a in explicit):
        raise ValueError(
            "`coordinator_address`, `num_processes` and `process_id` go together: give all three, or none to "
            f"detect the cluster from the environment; got {explicit}."
        )
    if num_processes is not None:
        if num_processes < 1 or not 0 <= process_id < num_processes:
            raise ValueError(
                f"need num_processes >= 1 and 0 <= process_id < num_processes; got {num_processes}, {process_id}."
            )
    if jax.distributed.is_initialized():
        return True
    if num_processes is None and not _cluster_detected():
        return False
    if num_processes == 1:
        return False
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
        local_device_ids=local_device_ids,
    )
    return True


def process_count() -> int:
    """The number of processes in the runtime (1 without `initialize`)."""
    return jax.process_count()


def process_index() -> int:
    """This process's index (0 without `initialize`)."""
    return jax.process_index()


def is_main_process() -> bool:
    """Whether this is process 0: the one that writes files, prints and plots."""
    return jax.process_index() == 0


def mesh(axes: Mapping[str, int] | None = None, *, devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A device mesh with named axes over every device of every process.

    **Arguments:**

    - `axes`: axis name -> size, in mesh order, e.g. `{"data": 2, "model": 4}`. One size may be `-1`: it takes
      whatever the other axes leave. Default `{"data": -1}`.
    - `devices`: the devices to lay out (default `jax.devices()`, all processes' devices).

    **Returns:**

    A `jax.sharding.Mesh` whose device order keeps each process's devices contiguous along the last axes, so that
    splitting the first axis splits processes.
    """
    axes = dict(axes) if axes is not None else {"data": -1}
    devices = list(jax.devices() if devices is None else devices)
    if not axes or not devices:
        raise ValueError("a mesh needs at least one axis and one device.")
    sizes = list(axes.values())
    if any((not isinstance(s, int)) or (s < 1 and s != -1) for s in sizes) or sizes.count(-1) > 1:
        raise ValueError(f"axis sizes must be positive ints, with at most one -1; got {axes}.")
    known = int(np.prod([s for s in sizes if s != -1]))
    if -1 in sizes:
        if len(devices) % known:
            raise ValueError(f"{len(devices)} devices cannot be split over axes {axes}.")
        sizes[sizes.index(-1)] = len(devices) // known
    if int(np.prod(sizes)) != len(devices):
        raise ValueError(f"axes {dict(zip(axes, sizes, strict=True))} need {int(np.prod(sizes))} devices; {len(devices)} given.")
    ordered = sorted(devices, key=lambda d: (d.process_index, d.id))
    return Mesh(np.asarray(ordered, dtype=object).reshape(sizes), tuple(axes))


def from_local(mesh: Mesh, axis: str | None, local, *, dim: int = 0) -> jax.Array:
    """A global array from each process's share of it, split along `dim` over mesh axis `axis`.

    On one process this is `jax.device_put` with the sharding; on several, each process passes its own rows (the
    process's contiguous block of the global array, in process order) and gets back the global array.

    **Arguments:**

    - `mesh`: the mesh, e.g. from `mesh`.
    - `axis`: the mesh axis dimension `dim` is split over, or `None` to replicate (every process passes the same
      full array).
    - `local`: this process's block (a pytree of arrays is allowed).
    - `dim`: the array dimension that is split.
    """

    def one(x):
        x = np.asarray(x)
        spec = [None] * x.ndim
        if axis is not None:
            spec[dim] = axis
        sharding = NamedSharding(mesh, PartitionSpec(*spec))
        if jax.process_count() == 1:
            return jax.device_put(x, sharding)
        if axis is None:
            return jax.make_array_from_process_local_data(sharding, x, x.shape)
        return jax.make_array_from_process_local_data(sharding, x)

    return jax.tree.map(one, local)


def gather(tree):
    """Every leaf of `tree` as a full numpy array on every process (an all-gather across processes when needed)."""

    def one(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(x)

    return jax.tree.map(one, tree)
