"""Every public module imports on its own in a fresh interpreter: `analogsim` loads some submodules on first use,
so the order in which a user's script imports them must not matter (a cycle would fail only in some orders)."""

import os
import subprocess
import sys

import pytest

MODULES = [
    "analogsim.nn", "analogsim.distributed", "analogsim.insitu", "analogsim.cost", "analogsim.devices", "hnn",
    "analogsim_lab.cli",
]


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


def test_every_public_name_of_analogsim_resolves():
    code = (
        "import analogsim as a\n"
        "names = [n for n in dir(a) if not n.startswith('_')]\n"
        "missing = [n for n in names if getattr(a, n, None) is None]\n"
        "assert not missing and {'CrossbarConfig', 'program', 'ADC', 'cost', 'devices', 'insitu'} <= set(names)\n"
        "print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JAX_PLATFORMS="cpu"))
    assert proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_hnn_does_not_import_the_crossbar_and_training_stack():
    # `python -m hnn` pays at start-up only for what it uses: the crossbar models, the cost model and optax load on
    # first use (the analog method, the hardware cost)
    heavy = ("optax", "analogsim.cost", "analogsim.devices", "analogsim._crossbar", "analogsim.nn")
    code = f"import sys, hnn; print([m for m in {heavy!r} if m in sys.modules])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, JAX_PLATFORMS="cpu"))
    assert proc.stdout.strip() == "[]", proc.stderr[-2000:]
