import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax.random as jr  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def getkey():
    """A fresh, deterministic key on every call (same sequence in every test run)."""
    counter = iter(range(10**9))

    def _getkey():
        return jr.fold_in(jr.key(1234), next(counter))

    return _getkey
