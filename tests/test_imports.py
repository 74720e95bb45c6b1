"""Every public module imports on its own in a fresh interpreter: `analogsim` loads some submodules on first use,
so the order in which a user's script imports them must not matter (a cycle would fail only in some orders)."""

import os
import subprocess
import sys

import pytest

MODULES = ["analogsim.nn", "analogsim.distributed", "analogsim.insitu", "hnn", "analogsim_lab.cli"]


@pytest.mark.parametrize("module", MODULES)
def test_imports_first_in_a_fresh_interpreter(module):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_lazy_submodules_resolve_as_attributes():
    code = "import analogsim as a; assert a.nn.AnalogLinear and a.distributed.mesh and a.analogize; print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JAX_PLATFORMS="cpu"))
    assert proc.stdout.strip() == "ok", proc.stderr[-2000:]
