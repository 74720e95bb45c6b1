"""Data-parallel `analogsim.nn.train` and device-split `analogsim.nn.evaluate_drift`: 4 forced host devices give
the one-device results (training to float32 reassociation tolerance, the drift sweep bit for bit). The 2-process
version of the same checks is `tests/test_multiprocess.py`."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest
from jax.sharding import Mesh

import analogsim.distributed as dist
import analogsim.nn as ann

TESTS = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import equinox as eqx, jax, numpy as np
    sys.path.insert(0, sys.argv[1])
    import multiprocess_worker as w
    assert len(jax.devices()) == 4, jax.devices()
    out = {}
    one, four = w.train(False, epochs=2), w.train(True, epochs=2)
    la, lb = (jax.tree.leaves(eqx.filter(r.model, eqx.is_array)) for r in (one, four))
    out["train_max_rel"] = max(float(np.max(np.abs(a - b) / (np.abs(a) + 1e-6))) for a, b in zip(la, lb))
    out["train_max_abs"] = max(float(np.max(np.abs(a - b))) for a, b in zip(la, lb))
    out["replicated_on"] = min(len(b.sharding.device_set) for b in lb)
    out["history"] = [one.history, four.history]
    try:
        w.train(True, epochs=1, batch_size=6)
        out["bad_batch"] = "no error"
    except ValueError as e:
        out["bad_batch"] = str(e)
    out["drift_equal"] = bool(np.array_equal(w.drift(False).values, w.drift(True).values))
    # 5 programmings over 4 devices (one padded block), 1 at a time per device
    out["drift_padded_equal"] = bool(
        np.array_equal(w.drift(False, n_programmings=5).values, w.drift(True, n_programmings=5, chunk=1).values)
    )
    print(json.dumps(out))
    """
)


@pytest.mark.slow  # the two-process test (.ci/run's own step) covers the same on 2 x 2 devices
def test_four_devices_match_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(TESTS)], env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the batch mean is a sum of per-device partial sums: float32 reassociation, ~1e-7 per step, after 8 Adam steps
    assert out["train_max_abs"] < 1e-6 and out["train_max_rel"] < 1e-5, out
    np.testing.assert_allclose(*out["history"], rtol=1e-6)
    assert out["replicated_on"] == 4
    assert "multiple of the mesh's 'data' axis" in out["bad_batch"]
    assert out["drift_equal"] and out["drift_padded_equal"]


def _problem(getkey, make_mlp):
    kx, km = jr.split(getkey())
    x = jr.normal(kx, (32, 4))
    model = make_mlp((4, 8, 2), key=km)
    loss = lambda m, batch, k: jnp.mean(m(batch[0], key=k) ** 2)
    return model, loss, (x,)


def test_one_device_mesh_equals_no_mesh_and_resumes(getkey, make_mlp, tmp_path):
    model, loss, data = _problem(getkey, make_mlp)
    key = getkey()
    mesh = dist.mesh({"data": -1}, devices=jax.devices()[:1])
    ref = ann.train(model, loss, data, optax.sgd(0.1), epochs=2, batch_size=8, key=key)
    ann.train(model, loss, data, optax.sgd(0.1), epochs=1, batch_size=8, key=key, mesh=mesh, checkpoint=tmp_path / "c")
    res = ann.train(model, loss, data, optax.sgd(0.1), epochs=2, batch_size=8, key=key, mesh=mesh, checkpoint=tmp_path / "c")
    assert res.resumed_from == 1
    for a, b in zip(jax.tree.leaves(eqx.filter(ref.model, eqx.is_array)), jax.tree.leaves(eqx.filter(res.model, eqx.is_array)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_bad_mesh_and_devices(getkey, make_mlp):
    model, loss, data = _problem(getkey, make_mlp)
    no_data_axis = Mesh(np.asarray(jax.devices()[:1]), ("model",))
    with pytest.raises(ValueError, match="'data' axis"):
        ann.train(model, loss, data, optax.sgd(0.1), epochs=1, batch_size=8, key=getkey(), mesh=no_data_axis)
    with pytest.raises(ValueError, match="non-empty"):
        ann.evaluate_drift(model, lambda m, k: 0.0, key=getkey(), devices=[])
