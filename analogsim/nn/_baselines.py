"""Digital baselines: the float32 model itself, and an int8 weight/activation-quantized twin."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._linear import AnalogLinear


class Int8Linear(eqx.Module):
    """Digital int8 linear layer: symmetric per-output-row weight scales, a symmetric per-vector activation scale,
    integer products accumulated exactly (in float32, exact for `|sum| < 2**24`: `127 * 127 * in_features` fits
    for `in_features <= 1040`), then rescaled; float32 bias. The standard post-training int8 scheme (Jacob et al.,
    "Quantization and training of neural networks for efficient integer-arithmetic-only inference", CVPR 2018,
    with symmetric scales). Accepts `x` of shape (..., in)."""

    weight_q: Float[Array, "out in"]
    weight_scale: Float[Array, " out"]
    bias: Float[Array, " out"] | None
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)

    def __init__(self, weight: jax.Array, bias: jax.Array | None):
        weight = jnp.asarray(weight, jnp.float32)
        if weight.ndim != 2:
            raise ValueError(f"Int8Linear weight must be (out, in), got shape {weight.shape}")
        s = jnp.max(jnp.abs(weight), axis=1) / 127
        s = jnp.where(s > 0, s, 1.0)
        self.weight_q = jnp.round(weight / s[:, None])
        self.weight_scale = s
        self.bias = None if bias is None else jnp.asarray(bias, jnp.float32)
        self.out_features, self.in_features = weight.shape

    def __call__(self, x: Float[Array, "*batch in"], *, key=None) -> Float[Array, "*batch out"]:
        x = jnp.asarray(x, jnp.float32)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Int8Linear expects inputs of shape (..., {self.in_features}), got {x.shape}")
        sx = jnp.max(jnp.abs(x), axis=-1, keepdims=True) / 127
        sx = jnp.where(sx > 0, sx, 1.0)
        y = (jnp.round(x / sx) @ self.weight_q.T) * sx * self.weight_scale
        return y if self.bias is None else y + self.bias


def quantize_int8(model):
    """The int8 digital twin of a model: every `eqx.nn.Linear` and `AnalogLinear` becomes an
    `Int8Linear` (attention score/mix products, norms and embeddings stay float32)."""
    is_lin = lambda x: isinstance(x, (eqx.nn.Linear, AnalogLinear))

    def convert(x):
        if isinstance(x, eqx.nn.Linear) and (x.in_features == "scalar" or x.out_features == "scalar"):
            raise ValueError("quantize_int8 does not support eqx.nn.Linear with 'scalar' features")
        return Int8Linear(x.weight, x.bias) if is_lin(x) else x

    return jax.tree.map(convert, model, is_leaf=is_lin)
