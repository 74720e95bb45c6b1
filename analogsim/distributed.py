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

A layer too large for one device splits its crossbar tiles over a `model` axis (tile parallelism: each device holds
and programs its input tiles, one all-reduce adds the tile partial sums, the digital tile sum of the hardware):

```python
mesh = dist.mesh({"model": 4})
xb = dist.program_sharded(W, cfg, key=k, mesh=mesh)       # each device programs a quarter of the tiles
y = dist.tile_parallel_mvm(xb, x, key=k2, mesh=mesh)       # = asim.program(W, cfg, key=k)(x, key=k2)
model = dist.shard_model(asim.program_model(model, key=k), mesh)   # every analog layer of a model
dist.device_bytes(model)                                   # bytes each device holds
dist.communication_volume(768, 3072, 4, batch=1024)        # bytes per step, tile- and data-parallel
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import equinox as eqx
import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ._tile_parallel import (
    TileParallel as TileParallel,
    _put,
    device_bytes as device_bytes,
    program_sharded as program_sharded,
    shard_crossbar as shard_crossbar,
    tile_parallel_mvm as tile_parallel_mvm,
)
from .nn._linear import AnalogLinear  # the module, not the package: analogsim.nn imports this one

__all__ = [
    "initialize",
    "is_main_process",
    "mesh",
    "from_local",
    "gather",
    "process_count",
    "process_index",
    "TileParallel",
    "shard_crossbar",
    "program_sharded",
    "tile_parallel_mvm",
    "shard_model",
    "device_bytes",
    "CommunicationVolume",
    "communication_volume",
]

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


def shard_model(model, mesh: Mesh, axis: str = "model"):
    """`model` laid out on `mesh` with every analog layer tile-parallel over `axis`.

    Each `analogsim.nn.AnalogLinear` gets `tile_parallel=TileParallel(mesh, axis)`: its trainable weight and its
    crossbar (if programmed) are split along the inputs, and from then on `program`, `at` and the forward pass
    keep every device to its own tiles (`tile_parallel_mvm`). Every other array (embeddings, norms, biases, digital
    layers) is replicated on the mesh. `analogize` and `with_drift_compensation` rebuild layers without the
    placement: call `shard_model` after them.

    **Arguments:**

    - `model`: any pytree holding `AnalogLinear` layers (programmed or not).
    - `mesh`: the device mesh (see `mesh`).
    - `axis`: the mesh axis the tiles are split over; every analog layer's input tiles and inputs must divide by
      its size (else `ValueError`, naming the layer's shape).

    **Returns:**

    The placed model: same numbers as `model` (up to the float32 reassociation of the tile sums), each device
    holding `1/D` of every analog array (measure with `device_bytes`).
    """
    tp = TileParallel(mesh, axis)
    split_inputs = NamedSharding(mesh, PartitionSpec(None, axis))

    def place(layer: AnalogLinear) -> AnalogLinear:
        tp.check((layer.out_features, layer.in_features), layer.config)
        return AnalogLinear(
            layer.in_features,
            layer.out_features,
            config=layer.config,
            key=None,
            use_bias=layer.bias is not None,
            hwa=layer.hwa,
            weight=_put(layer.weight, split_inputs),
            bias=layer.bias,
            crossbar=None if layer.crossbar is None else tp.place(layer.crossbar),
            inference=layer.inference,
            tile_parallel=tp,
        )

    def is_layer(x):
        return isinstance(x, AnalogLinear)

    model = jax.tree.map(lambda x: place(x) if is_layer(x) else x, model, is_leaf=is_layer)
    replicated = NamedSharding(mesh, PartitionSpec())

    def on_mesh(x):
        if isinstance(x, jax.Array) and isinstance(x.sharding, NamedSharding) and x.sharding.mesh == mesh:
            return x
        return _put(x, replicated)

    arrays, rest = eqx.partition(model, eqx.is_array)
    return eqx.combine(jax.tree.map(on_mesh, arrays), rest)


class CommunicationVolume(NamedTuple):
    """Bytes each device sends per step (it receives as many) for one `(out, in)` analog layer on `devices`
    devices, with ring all-reduces (a reduce-scatter then an all-gather: `2 (D - 1) / D` times the reduced bytes
    per device, the bandwidth-optimal algorithm NCCL and Gloo use for large messages). The whole job moves
    `devices` times these.

    **Attributes:**

    - `tile_parallel_bytes`: one tile-parallel MVM of a batch of `batch` vectors: the `(batch, out)` partial sums
      all-reduced, `2 (D - 1) / D * batch * out * bytes_per_value`.
    - `data_parallel_bytes`: one data-parallel training step: the gradient of the trainable weights and bias
      all-reduced, `2 (D - 1) / D * (out * in + out) * bytes_per_value` (independent of the batch).
    """

    tile_parallel_bytes: float
    data_parallel_bytes: float


def communication_volume(
    out_features: int,
    in_features: int,
    devices: int,
    *,
    batch: int = 1,
    bytes_per_value: int = 4,
    bias: bool = True,
) -> CommunicationVolume:
    """Per-step communication of one analog layer, on paper: tile-parallel inference against data-parallel training.

    **Arguments:**

    - `out_features`, `in_features`: the layer's shape `(out, in)`.
    - `devices`: the number of devices `D` the tiles (or the batch) are split over; 1 moves nothing.
    - `batch`: vectors per MVM (e.g. sequence length times batch size).
    - `bytes_per_value`: bytes of one partial sum or gradient entry (4 for float32).
    - `bias`: whether the layer's bias is trained too (adds `out` gradient entries).

    **Returns:**

    A `CommunicationVolume` in bytes per device per step.
    """
    for name, v in (("out_features", out_features), ("in_features", in_features), ("devices", devices),
                    ("batch", batch), ("bytes_per_value", bytes_per_value)):  # fmt: skip
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"communication_volume {name} must be a positive int, got {v!r}")
    ring = 2.0 * (devices - 1) / devices * bytes_per_value
    params = out_features * in_features + (out_features if bias else 0)
    return CommunicationVolume(
        tile_parallel_bytes=ring * batch * out_features, data_parallel_bytes=ring * params
    )
