"""Gibbs-sampling throughput on a 64x64 periodic 2-D Ising lattice with 64 chains: ebm vs thrml, side by side.

    python examples/ebm_bench.py [--json PATH] [--sweeps N] [--thrml-python /tmp/thrml_venv/bin/python]

Throughput is spin updates per second: `sweeps * chains * 4096 / seconds` for a jitted run of `sweeps` full
checkerboard sweeps (compilation excluded: the median of warm runs). thrml (Extropic's JAX block-Gibbs
library, 0.1.4) is not a dependency: install it into a throwaway virtual environment and pass its interpreter,

    python -m venv /tmp/thrml_venv && /tmp/thrml_venv/bin/pip install thrml==0.1.4

and this script runs the same problem there in a subprocess (`--worker thrml`) right after its own run, so both
measurements see the same machine load. Both use one 64-chain batch (`vmap` over chains in thrml).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

SIDE, CHAINS, COUPLING = 64, 64, 0.4


def bench_ebm(sweeps: int, repeats: int = 3) -> dict:
    import jax
    import jax.random as jr

    import ebm
    from analogsim import timing

    model = ebm.BoltzmannMachine.lattice(SIDE, coupling=COUPLING, spin=True)
    x0, k = ebm.random_states(model, CHAINS, key=jr.key(0)), jr.key(1)
    run = jax.jit(
        lambda x, k: jax.lax.fori_loop(
            0, sweeps, lambda t, x: ebm.gibbs_sweep(model, x, 1.0, jr.fold_in(k, t)), x
        )
    )
    seconds = timing.median_time(lambda: run(x0, k), repeats=repeats, warmup=1)
    return {"updates_per_s": sweeps * CHAINS * SIDE * SIDE / seconds, "seconds": seconds, "sweeps": sweeps}


def bench_thrml(sweeps: int, repeats: int = 3) -> dict:
    import jax
    import jax.numpy as jnp
    import thrml
    from thrml.models import IsingEBM, IsingSamplingProgram, hinton_init

    nodes = [thrml.SpinNode() for _ in range(SIDE * SIDE)]
    edges = []
    for i in range(SIDE):
        for j in range(SIDE):
            a = i * SIDE + j
            edges.append((nodes[a], nodes[i * SIDE + (j + 1) % SIDE]))
            edges.append((nodes[a], nodes[((i + 1) % SIDE) * SIDE + j]))
    model = IsingEBM(nodes, edges, jnp.zeros(len(nodes)), jnp.full(len(edges), COUPLING), jnp.array(1.0))
    black = [nodes[i * SIDE + j] for i in range(SIDE) for j in range(SIDE) if (i + j) % 2 == 0]
    white = [nodes[i * SIDE + j] for i in range(SIDE) for j in range(SIDE) if (i + j) % 2 == 1]
    free_blocks = [thrml.Block(black), thrml.Block(white)]
    program = IsingSamplingProgram(model, free_blocks, clamped_blocks=[])
    schedule = thrml.SamplingSchedule(n_warmup=sweeps - 1, n_samples=1, steps_per_sample=1)
    keys = jax.random.split(jax.random.key(0), CHAINS)
    init = jax.vmap(lambda k: hinton_init(k, model, free_blocks, ()))(keys)

    @jax.jit
    def run(key):
        ks = jax.random.split(key, CHAINS)
        return jax.vmap(lambda k, s: thrml.sample_states(k, program, schedule, s, [], [thrml.Block(nodes)]))(
            ks, init
        )

    # thrml's environment does not have this project's dependencies, so the median of warm runs that
    # analogsim.timing takes for the ebm side is taken here by hand, the same way
    jax.block_until_ready(run(jax.random.key(1)))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(run(jax.random.key(1)))
        times.append(time.perf_counter() - t)
    seconds = sorted(times)[len(times) // 2]
    return {
        "updates_per_s": sweeps * CHAINS * SIDE * SIDE / seconds,
        "seconds": seconds,
        "sweeps": sweeps,
        "version": thrml.__version__,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the results here (atomically)")
    ap.add_argument("--sweeps", type=int, default=200)
    ap.add_argument("--thrml-python", help="interpreter of a virtual environment with thrml==0.1.4 installed")
    ap.add_argument("--worker", choices=["thrml"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if args.worker == "thrml":
        print(json.dumps(bench_thrml(args.sweeps)))
        return {}
    out = {"problem": {"lattice": f"{SIDE}x{SIDE} periodic", "chains": CHAINS, "coupling": COUPLING}}
    out["ebm"] = bench_ebm(args.sweeps)
    print(f"ebm:   {out['ebm']['updates_per_s']:.3e} spin updates/s", file=sys.stderr)
    if args.thrml_python:
        r = subprocess.run(
            [args.thrml_python, os.path.abspath(__file__), "--worker", "thrml", "--sweeps", str(args.sweeps)],
            capture_output=True,
            text=True,
            env=dict(os.environ, JAX_PLATFORMS="cpu"),
            timeout=900,
        )
        if r.returncode == 0:
            out["thrml"] = json.loads(r.stdout.strip().splitlines()[-1])
            out["ebm_over_thrml"] = out["ebm"]["updates_per_s"] / out["thrml"]["updates_per_s"]
            print(
                f"thrml: {out['thrml']['updates_per_s']:.3e} spin updates/s "
                f"(ebm / thrml = {out['ebm_over_thrml']:.2f}x)",
                file=sys.stderr,
            )
        else:
            out["thrml"] = {"error": r.stderr[-2000:]}
            print(f"thrml run failed:\n{r.stderr[-2000:]}", file=sys.stderr)
    else:
        out["thrml"] = {"error": "not run: pass --thrml-python (see the module docstring)"}
    if args.json:
        from analogsim import io as _io

        _io.write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
