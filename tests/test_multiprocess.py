"""Two local processes on one global mesh (JAX's multi-controller runtime, Gloo CPU collectives) give the results of
one process: data-parallel training, a drift sweep, `hnn.solve` and ebm chains (`tests/multiprocess_worker.py`).

Each of the 2 processes sees 2 forced host devices (4 global devices). The single-process reference runs with the
default (one) device and the default placement (`devices=None`, `mesh=None`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("multiprocess_worker.py")
ROOT = WORKER.parent.parent
N_PROCESSES = 2
TIMEOUT_S = 900  # per process; a loaded 2-core machine compiles slowly

# Data-parallel training sums each mini-batch's gradient in per-device partial sums: after two epochs of Adam
# (8 steps) the parameters agree with the one-device run to float32 reassociation error.
TRAIN_RTOL, TRAIN_ATOL = 1e-5, 1e-6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _env(devices_per_process: int | None) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("XLA_FLAGS", None)
    if devices_per_process is not None:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices_per_process}"
    return env


def _launch(args: list[str], env: dict, log: Path) -> tuple[subprocess.Popen, Path]:
    with log.open("w") as f:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, str(WORKER), *args], env=env, stdout=f, stderr=subprocess.STDOUT)
    return proc, log


def run_workers(tmp_path: Path) -> tuple[Path, Path]:
    """Start the reference process and the 2-process job side by side; wait for all, raising with their logs."""
    single, multi = tmp_path / "single", tmp_path / "multi"
    single.mkdir()
    multi.mkdir()
    address = f"localhost:{_free_port()}"
    procs = [_launch([str(single)], _env(None), tmp_path / "single.log")]
    procs += [
        _launch([str(multi), address, str(N_PROCESSES), str(i)], _env(2), tmp_path / f"process{i}.log")
        for i in range(N_PROCESSES)
    ]
    failed = []
    try:
        for proc, log in procs:
            try:
                rc = proc.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                rc = "timeout"
            if rc != 0:
                failed.append(f"--- {log.name}: exit {rc}\n{log.read_text()[-4000:]}")
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if failed:
        raise AssertionError("worker failed:\n" + "\n".join(failed))
    return single, multi


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    single_dir, multi_dir = run_workers(tmp_path)
    ref = dict(np.load(single_dir / "process0.npz"))
    runs = [dict(np.load(multi_dir / f"process{i}.npz")) for i in range(N_PROCESSES)]
    for run in runs:
        assert set(run) == set(ref)
        for name, want in ref.items():
            if name.startswith("timed_"):  # clock-dependent: compared between the processes below
                continue
            if name.startswith("train_param"):
                np.testing.assert_allclose(run[name], want, rtol=TRAIN_RTOL, atol=TRAIN_ATOL, err_msg=name)
            elif name == "train_history":
                np.testing.assert_allclose(run[name], want, rtol=TRAIN_RTOL, err_msg=name)
            elif name.startswith("tiles_"):  # the tile sum reassociated by the all-reduce (and drift reference)
                np.testing.assert_allclose(run[name], want, rtol=0, atol=1e-5 * np.abs(want).max(), err_msg=name)
            else:  # per-key work: bit-identical whatever the split
                np.testing.assert_array_equal(run[name], want, err_msg=name)
    for name in ref:  # every process got the same (gathered) results
        np.testing.assert_array_equal(runs[0][name], runs[1][name], err_msg=name)
    assert int(ref["train_resumed_from"]) == 1
    assert "satisfying assignment was found" in str(ref["solve_status"])  # the planted formula is easy
