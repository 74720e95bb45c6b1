import os
import pathlib

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax.random as jr  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "hnn", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("hnn")

SATLIB = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "satlib"
if not SATLIB.exists():
    SATLIB = pathlib.Path("/work/shared/data/satlib")


@pytest.fixture
def getkey():
    counter = iter(range(10**9))

    def _getkey():
        return jr.key(next(counter))

    return _getkey


@pytest.fixture(scope="session")
def satlib():
    if not SATLIB.exists():
        pytest.skip("SATLIB data not available")
    return SATLIB
