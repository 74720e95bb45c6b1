"""Fixtures of the hnn tests: the benchmark files shipped in `tests/data`, the full SATLIB sets for slow tests,
and a deterministic hypothesis profile (`getkey` and `count_compiles` come from the root `tests/conftest.py`).

Default tests read only files inside the repository (`tests/data`); the full SATLIB tree is found through the
`HNN_SATLIB` environment variable and only slow-marked tests may ask for it."""

import os
import pathlib

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "hnn", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("hnn")

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
"""The CNF files shipped with the tests: `satlib/uf20`, `satlib/uf50` (SATLIB) and `unsat/` (see its README)."""


@pytest.fixture(scope="session")
def cnf_data() -> pathlib.Path:
    """The shipped test data directory `tests/data`."""
    return DATA


@pytest.fixture
def satlib(request) -> pathlib.Path:
    """The full SATLIB directory (`uf20`, `uf50`, ..., `uf250`) named by `HNN_SATLIB`; only for slow tests, which
    skip when it is not set. A default test that asks for it is an error: default tests use `cnf_data`."""
    if request.node.get_closest_marker("slow") is None:
        pytest.fail(
            f"{request.node.nodeid}: the `satlib` fixture is for slow tests only; default tests read `cnf_data`.",
            pytrace=False,
        )
    root = os.environ.get("HNN_SATLIB")
    if not root or not (pathlib.Path(root) / "uf20").is_dir():
        pytest.skip("set HNN_SATLIB to a SATLIB directory (holding uf20, uf50, ...) for this slow test")
    return pathlib.Path(root)
