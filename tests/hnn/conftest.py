"""Fixtures of the hnn tests: the SATLIB instances and a deterministic hypothesis profile (`getkey` and
`count_compiles` come from the root `tests/conftest.py`)."""

import os
import pathlib

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "hnn", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("hnn")

SATLIB = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "satlib"
if not SATLIB.exists():
    SATLIB = pathlib.Path("/work/shared/data/satlib")


@pytest.fixture(scope="session")
def satlib():
    """The SATLIB directory holding `uf20`, `uf50`, ...; skips the test when it is absent."""
    if not SATLIB.exists():
        pytest.skip("SATLIB data not available")
    return SATLIB
