"""`analogsim.distributed` on one process: the no-op path and argument checks (multi-process runs live in
`tests/test_multiprocess.py`)."""

import jax
import numpy as np
import pytest

import analogsim.distributed as dist


def test_single_process_is_a_no_op(monkeypatch):
    for name in ("JAX_COORDINATOR_ADDRESS", "SLURM_JOB_ID", "OMPI_COMM_WORLD_SIZE", "TPU_WORKER_HOSTNAMES"):
        monkeypatch.delenv(name, raising=False)
    assert dist.initialize() is False
    assert dist.initialize("localhost:1", 1, 0) is False
    assert dist.process_count() == 1 and dist.process_index() == 0 and dist.is_main_process()
    m = dist.mesh()
    assert m.axis_names == ("data",) and m.devices.size == len(jax.devices())
    x = dist.from_local(m, "data", np.arange(4.0))
    np.testing.assert_array_equal(dist.gather({"x": x})["x"], np.arange(4.0))


@pytest.mark.parametrize(
    "args", [("localhost:1", None, None), (None, 2, 0), ("localhost:1", 2, 2), ("localhost:1", 0, 0)]
)
def test_initialize_rejects_partial_or_impossible_arguments(args):
    with pytest.raises(ValueError):
        dist.initialize(*args)


def test_mesh_axes():
    n = len(jax.devices())
    assert dict(dist.mesh({"data": 1, "model": -1}).shape) == {"data": 1, "model": n}
    with pytest.raises(ValueError, match="positive"):
        dist.mesh({"data": 0})
    with pytest.raises(ValueError, match="at most one -1"):
        dist.mesh({"data": -1, "model": -1})
    with pytest.raises(ValueError, match="need"):
        dist.mesh({"data": n + 1})
