"""A small decoder-only, pre-norm transformer whose layers can be digital or analog."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float, Int

from .._custom_types import PRNGKeyArray
from ._attention import AnalogAttention, causal_mask
from ._linear import apply_linear


def _split(key, n):
    return [None] * n if key is None else list(jr.split(key, n))


def _layer_norm(ln: eqx.nn.LayerNorm, x: jax.Array) -> jax.Array:
    return jax.vmap(ln)(x)


class TransformerBlock(eqx.Module):
    """Pre-norm block: `x + attn(LN(x))` (causal) then `x + fc2(gelu(fc1(LN(x))))`."""

    ln1: eqx.nn.LayerNorm
    attn: eqx.nn.MultiheadAttention | AnalogAttention
    ln2: eqx.nn.LayerNorm
    fc1: eqx.Module
    fc2: eqx.Module

    def __init__(self, d_model: int, num_heads: int, mlp_ratio: int, *, key: PRNGKeyArray):
        ka, k1, k2 = jr.split(key, 3)
        self.ln1 = eqx.nn.LayerNorm(d_model)
        self.attn = eqx.nn.MultiheadAttention(num_heads, d_model, key=ka)
        self.ln2 = eqx.nn.LayerNorm(d_model)
        self.fc1 = eqx.nn.Linear(d_model, mlp_ratio * d_model, key=k1)
        self.fc2 = eqx.nn.Linear(mlp_ratio * d_model, d_model, key=k2)

    def __call__(self, x: Float[Array, "seq d"], *, key: PRNGKeyArray | None = None) -> Float[Array, "seq d"]:
        ka, k1, k2 = _split(key, 3)
        h = _layer_norm(self.ln1, x)
        x = x + self.attn(h, h, h, mask=causal_mask(x.shape[0]), key=ka)
        h = _layer_norm(self.ln2, x)
        h = apply_linear(self.fc2, jax.nn.gelu(apply_linear(self.fc1, h, key=k1)), key=k2)
        return x + h


class TinyTransformer(eqx.Module):
    """Decoder-only, pre-norm character/token language model (GPT-2 layout: learned positions, causal self-attention,
    4x GELU MLP, final LayerNorm, linear head).

    It is built digital (`eqx.nn.Linear` and `eqx.nn.MultiheadAttention`); make it analog with
    `analogsim.nn.analogize` (`attention="projections"` or an `AttentionConfig` for the gain-cell
    attention arrays). Embedding lookups, LayerNorms, GELU, softmax and residual adds stay digital.
    `model(tokens, *, key)` maps a token sequence (seq,) to next-token logits (seq, vocab).
    """

    embed: eqx.nn.Embedding
    pos: Float[Array, "max_len d"]
    blocks: tuple[TransformerBlock, ...]
    ln_f: eqx.nn.LayerNorm
    head: eqx.Module
    max_len: int = eqx.field(static=True)

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        num_heads: int,
        num_layers: int,
        max_len: int,
        *,
        key: PRNGKeyArray,
        mlp_ratio: int = 4,
    ):
        for name, v in (
            ("vocab_size", vocab_size),
            ("d_model", d_model),
            ("num_heads", num_heads),
            ("num_layers", num_layers),
            ("max_len", max_len),
            ("mlp_ratio", mlp_ratio),
        ):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"TinyTransformer {name} must be a positive int, got {v!r}")
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        ke, kp, kb, kh = jr.split(key, 4)
        self.embed = eqx.nn.Embedding(vocab_size, d_model, key=ke)
        self.pos = 0.02 * jr.normal(kp, (max_len, d_model))
        self.blocks = tuple(
            TransformerBlock(d_model, num_heads, mlp_ratio, key=k) for k in jr.split(kb, num_layers)
        )
        self.ln_f = eqx.nn.LayerNorm(d_model)
        self.head = eqx.nn.Linear(d_model, vocab_size, key=kh)
        self.max_len = max_len

    def __call__(
        self, tokens: Int[Array, " seq"], *, key: PRNGKeyArray | None = None
    ) -> Float[Array, "seq vocab"]:
        tokens = jnp.asarray(tokens)
        if tokens.ndim != 1 or not 1 <= tokens.shape[0] <= self.max_len:
            raise ValueError(
                f"TinyTransformer takes one token sequence of shape (seq,) with 1 <= seq <= {self.max_len}, "
                f"got shape {tokens.shape}"
            )
        keys = _split(key, len(self.blocks) + 1)
        x = self.embed.weight[tokens] + self.pos[: tokens.shape[0]]
        for block, k in zip(self.blocks, keys[:-1], strict=True):
            x = block(x, key=k)
        return apply_linear(self.head, _layer_norm(self.ln_f, x), key=keys[-1])


def sequence_loss(
    model, tokens: Int[Array, "batch seq1"], key: PRNGKeyArray | None = None
) -> Float[Array, ""]:
    """Mean next-token cross-entropy (nats) of `model` on a batch of sequences (batch, seq + 1). One `key` for
    the whole batch (one hardware-aware weight-noise draw per batch)."""
    logits = jax.vmap(lambda t: model(t, key=key))(tokens[:, :-1])
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, tokens[:, 1:, None], axis=-1))
