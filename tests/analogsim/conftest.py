import equinox as eqx
import jax
import jax.random as jr
import pytest

import analogsim.nn as ann


class TinyMLP(eqx.Module):
    """An MLP over `(..., in)` inputs that hands a key to each layer (analog layers draw their noise from it);
    its layers may be `eqx.nn.Linear` or analog. ReLU by default; a smooth `activation` (e.g. `jax.nn.tanh`) for
    finite-difference checks, which ReLU's kinks spoil."""

    layers: tuple
    activation: object = eqx.field(static=True, default=jax.nn.relu)

    def __init__(self, sizes: tuple[int, ...], *, key, activation=jax.nn.relu):
        self.activation = activation
        keys = jr.split(key, len(sizes) - 1)
        self.layers = tuple(
            eqx.nn.Linear(a, b, key=k) for a, b, k in zip(sizes[:-1], sizes[1:], keys, strict=True)
        )

    def __call__(self, x, *, key=None):
        keys = [None] * len(self.layers) if key is None else list(jr.split(key, len(self.layers)))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            x = ann.apply_linear(layer, x, key=k)
            if i < len(self.layers) - 1:
                x = self.activation(x)
        return x


@pytest.fixture
def make_mlp():
    """`make_mlp(sizes, key=k)`: a `TinyMLP` with layer sizes `sizes`, for the `analogsim.nn` tests."""
    return TinyMLP
