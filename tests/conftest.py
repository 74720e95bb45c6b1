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


class CompileCounter:
    """Counts XLA backend compilations while active (JAX's public monitoring events). The one way the tests check
    "no recompilation on the second call": ``with count_compiles() as c: f(x)`` then ``assert c.count == 0``."""

    _EVENT = "/jax/core/compile/backend_compile_duration"

    def __init__(self):
        self.count = 0

    def _listener(self, event, duration_secs, **kwargs):
        if event == self._EVENT:
            self.count += 1

    def __enter__(self):
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(self._listener)
        return self

    def __exit__(self, *exc):
        import jax.monitoring

        jax.monitoring.unregister_event_duration_listener(self._listener)
        return False


@pytest.fixture
def count_compiles():
    """``with count_compiles() as c: ...``: ``c.count`` is the number of XLA compilations inside the block."""
    return CompileCounter

