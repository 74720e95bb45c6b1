"""Replicas sharded over several (virtual CPU) devices give exactly the unsharded result."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, jax, jax.random as jr, numpy as np, hnn
    assert len(jax.devices()) == 4, jax.devices()
    cnf = hnn.random_ksat(jr.key(3), 30, 120, 3, planted=True)
    out = {}
    for method in ("probsat", "hopfield", "qubo"):
        res = {}
        for name, devices in (("one", jax.devices()[:1]), ("four", None)):
            s = hnn.solve(cnf, key=jr.key(7), method=method, replicas=16, max_steps=3000, stop="all", devices=devices)
            res[name] = {
                "status": hnn.RESULTS[s.status], "satisfied": s.satisfied, "steps": s.steps,
                "hit": s.replica_hit_step.tolist(),
                "flips": s.replica_flips.tolist(), "assignment": np.asarray(s.assignment).astype(int).tolist(),
            }
        out[method] = res
    try:
        hnn.solve(cnf, key=jr.key(0), replicas=6, devices=jax.devices())
        out["bad"] = "no error"
    except ValueError as e:
        out["bad"] = str(e)
    print(json.dumps(out))
    """
)


@pytest.mark.slow  # 16 s; CI's two-process step checks hnn.solve across processes
def test_sharded_equals_unsharded():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for method in ("probsat", "hopfield", "qubo"):
        one, four = out[method]["one"], out[method]["four"]
        assert one == four, method
    assert out["probsat"]["one"]["satisfied"]
    assert "multiple of the number of devices" in out["bad"]


def test_bad_devices_argument():
    import jax.random as jr

    import hnn

    cnf = hnn.random_ksat(jr.key(0), 10, 30, 3)
    with pytest.raises(ValueError, match="non-empty"):
        hnn.solve(cnf, key=jr.key(0), devices=[])
