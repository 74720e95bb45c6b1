"""Tile-parallel crossbars: a crossbar's input tiles over 4 (forced host) devices give the unsharded numbers for the
same keys, each device holding a quarter of the tiles.

The per-tile outputs are bit-identical (every random draw is a function of its key and flat index); the only
difference allowed is the float32 reassociation of the tile sum (each device's tiles, then the all-reduce),
`|y_sharded - y| <= 2e-6 * max |y|`, and with drift compensation that of its reference read (a sum over all
`in * out` cells, reassociated the same way), `1e-5 * max |y|`.
"""

import json
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
import analogsim.distributed as dist

TOL = 2e-6  # relative to max |y|: float32 reassociation of a sum of <= 8 tile outputs
TOL_DRIFT = 1e-5  # relative to max |y|: reassociation of the drift-compensation reference (6144 cells here)

SCRIPT = textwrap.dedent(
    """
    import json, jax, jax.random as jr, numpy as np, equinox as eqx, analogsim as asim
    import analogsim.distributed as dist
    assert len(jax.devices()) == 4, jax.devices()
    mesh = dist.mesh({"model": 4})
    noisy = asim.CrossbarConfig.pcm_8bit(tile=(16, 32), drift_compensation=True)
    noisy = eqx.tree_at(lambda c: (c.read_noise, c.adc.noise_std), noisy, (asim.ReadNoise(0.02), 0.01),
                        is_leaf=lambda x: x is None)
    configs = {"ideal": (asim.CrossbarConfig.ideal(tile=(32, 32)), None),
               "pcm_8bit_noisy": (noisy, None), "pcm_8bit_drifted": (noisy, 86400.0)}
    W = jr.normal(jr.key(0), (48, 128))
    x = jr.normal(jr.key(3), (5, 128))
    out = {}
    for name, (cfg, t) in configs.items():
        xb = asim.program(W, cfg, key=jr.key(1))
        xs = dist.program_sharded(W, cfg, key=jr.key(1), mesh=mesh)
        if t is not None:
            xb = xb.at(t, key=jr.key(2))
            xs = dist.TileParallel(mesh).at(xs, t, key=jr.key(2))
        y = np.asarray(xb(x, key=jr.key(4)))
        out[name] = {
            "w_equal": bool(np.array_equal(xb.w, xs.w)),
            "err": float(np.max(np.abs(dist.tile_parallel_mvm(xs, x, key=jr.key(4), mesh=mesh) - y))),
            "scale": float(np.max(np.abs(y))),
            "tiles": xb.tiles[0],
            "w_shards": sorted({s.data.shape[0] for s in xs.w.addressable_shards}),
            "weight_shards": sorted({s.data.shape[1] for s in xs.weights.addressable_shards}),
            "after_at_spec": str(xs.w.sharding.spec),
            "bytes": sorted(dist.device_bytes((xs.w, xs.weights)).values()),
            "whole": int(xb.w.nbytes + xb.weights.nbytes),
        }
    # the plain call on a placed crossbar: XLA keeps the tile-ordered sum, bit for bit
    xb = asim.program(W, noisy, key=jr.key(1))
    y = xb(x, key=jr.key(4))
    out["placed_call_equal"] = bool(np.array_equal(dist.shard_crossbar(xb, mesh)(x, key=jr.key(4)), y))
    # a programmed analog transformer: every crossbar tile-parallel
    from analogsim import nn
    model = asim.analogize(nn.TinyTransformer(32, 64, 4, 1, 16, key=jr.key(5)), noisy, attention="projections")
    pm = nn.age_model(asim.program_model(model, key=jr.key(6)), 3600.0, key=jr.key(7))
    sm = nn.age_model(dist.shard_model(asim.program_model(model, key=jr.key(6)), mesh), 3600.0, key=jr.key(7))
    toks = jr.randint(jr.key(8), (16,), 0, 32)
    f = eqx.filter_jit(lambda m, k: m(toks, key=k))
    y = np.asarray(f(pm, jr.key(9)))
    layers = [l for l in jax.tree.leaves(sm, is_leaf=lambda a: isinstance(a, nn.AnalogLinear))
              if isinstance(l, nn.AnalogLinear)]
    xbs = [(l.crossbar.w, l.crossbar.weights) for l in layers]
    out["model"] = {"err": float(np.max(np.abs(f(sm, jr.key(9)) - y))), "scale": float(np.max(np.abs(y))),
                    "bytes": sorted(dist.device_bytes(xbs).values()),
                    "whole": int(sum(a.nbytes + b.nbytes for a, b in xbs))}
    try:
        dist.program_sharded(W[:, :96], noisy, key=jr.key(1), mesh=mesh)  # 6 input tiles over 4 devices
        out["bad"] = "no error"
    except ValueError as e:
        out["bad"] = str(e)
    print(json.dumps(out))
    """
)


# The four-device subprocess takes about 40 s: its tests are slow-marked; the default run checks tile-parallel
# arrays in-process below, and CI's two-process step checks them across processes.
@pytest.fixture(scope="module")
def four_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ideal", "pcm_8bit_noisy", "pcm_8bit_drifted"])
def test_equals_unsharded_crossbar(four_devices, name):
    r = four_devices[name]
    assert r["w_equal"], "programming (and drift) in shards draws the unsharded conductances"
    tol = TOL_DRIFT if name == "pcm_8bit_drifted" else TOL
    assert r["err"] <= tol * r["scale"], r


@pytest.mark.slow
def test_plain_call_on_placed_crossbar_is_bit_identical(four_devices):
    assert four_devices["placed_call_equal"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ideal", "pcm_8bit_noisy", "pcm_8bit_drifted"])
def test_each_device_holds_a_quarter(four_devices, name):
    """The memory budget: every device holds exactly a quarter of the conductances and target weights."""
    r = four_devices[name]
    assert r["w_shards"] == [r["tiles"] // 4]
    assert r["weight_shards"] == [128 // 4]
    assert r["after_at_spec"] == "P('model',)"
    assert r["bytes"] == [r["whole"] // 4] * 4


@pytest.mark.slow
def test_sharded_model(four_devices):
    r = four_devices["model"]
    assert r["err"] <= TOL_DRIFT * r["scale"], r
    assert r["bytes"] == [r["whole"] // 4] * 4


@pytest.mark.slow
def test_tiles_must_divide_the_axis(four_devices):
    assert "6 input tile(s)" in four_devices["bad"] and "divisible by 4" in four_devices["bad"]


def test_no_recompilation(count_compiles, getkey):
    mesh = dist.mesh({"model": 1}, devices=jax.devices()[:1])
    cfg = asim.CrossbarConfig.pcm_8bit(tile=(16, 16))
    xb = dist.program_sharded(jr.normal(getkey(), (8, 32)), cfg, key=getkey(), mesh=mesh)
    x1, x2 = jr.normal(getkey(), (3, 32)), jr.normal(getkey(), (3, 32))
    k1, k2 = getkey(), getkey()
    y1 = dist.tile_parallel_mvm(xb, x1, key=k1, mesh=mesh)
    with count_compiles() as c:
        y2 = dist.tile_parallel_mvm(xb, x2, key=k2, mesh=mesh)
    assert c.count == 0
    np.testing.assert_array_equal(y1, xb(x1, key=k1))  # one device: the same sum order, bit for bit
    assert jnp.all(jnp.isfinite(y2))


def test_bad_arguments(getkey):
    mesh = dist.mesh({"data": 1}, devices=jax.devices()[:1])
    with pytest.raises(ValueError, match="not an axis of the mesh"):
        dist.TileParallel(mesh, "model")
    with pytest.raises(ValueError, match="jax.sharding.Mesh"):
        dist.TileParallel("mesh")
    w = jnp.ones((4, 8)).at[0, 0].set(jnp.nan)
    with pytest.raises(ValueError, match="NaN or inf"):
        dist.program_sharded(w, asim.CrossbarConfig.ideal(), mesh=mesh, axis="data")


def test_communication_volume():
    # ring all-reduce: each device sends 2 (D - 1) / D of the reduced bytes
    v = dist.communication_volume(768, 3072, 4, batch=1024)
    assert v.tile_parallel_bytes == 2 * 3 / 4 * 1024 * 768 * 4  # 4,718,592 B of partial sums
    assert v.data_parallel_bytes == 2 * 3 / 4 * (768 * 3072 + 768) * 4  # 14,160,384 B of gradients
    v2 = dist.communication_volume(10, 20, 2, batch=3, bytes_per_value=2, bias=False)
    assert v2 == (60.0, 400.0)  # 2 * 1/2 * (3 * 10) * 2 B and 2 * 1/2 * (20 * 10) * 2 B
    assert dist.communication_volume(10, 20, 1) == (0.0, 0.0)
    with pytest.raises(ValueError, match="devices must be a positive int"):
        dist.communication_volume(10, 20, 0)


@pytest.mark.slow
def test_gpt2_example_shrunk(tmp_path):
    """`examples/gpt2_tile_parallel.py` shrunk (1 block, 64 tokens, d_model 192): every device holds a quarter
    of the analog arrays."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = tmp_path / "gpt2.json"
    args = ["--layers", "1", "--seq", "64", "--d-model", "192", "--heads", "4", "--vocab", "512",
            "--tile-rows", "48", "--devices", "4", "--json", str(out)]  # fmt: skip
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, os.path.join(root, "examples", "gpt2_tile_parallel.py"), *args],
                          env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["devices"] == 4 and r["analog_crossbars"] == 7  # q, k, v, o, fc1, fc2 and the head
    assert r["analog_bytes_per_device"] == [r["analog_bytes_whole"] // 4] * 4
    assert max(r["bytes_per_device"]) < r["bytes_whole"] / 2  # the replicated digital rest is small
    assert r["forward_seconds"] > 0
