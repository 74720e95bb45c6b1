"""Analog multi-head self-attention: static crossbar projections and dynamic gain-cell arrays for Q K^T and A V."""

from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Bool, Float

from .._config import CrossbarConfig
from .._converters import ADC, DAC
from .._custom_types import PRNGKeyArray
from .._validate import check
from ..devices import GainCell
from ._linear import AnalogLinear, HWANoise, apply_linear

_ENCODINGS = ("offset", "differential")


class AttentionConfig(eqx.Module):
    """The dynamic analog arrays of attention: keys and values written at run time into gain cells, read with
    DAC/ADC (Leroux et al., "Analog in-memory computing attention mechanism for fast and energy-efficient large
    language models", Nature Computational Science 5 (2025), arXiv:2409.19315).

    Defaults follow that paper's resolutions: queries through a 4-bit DAC (16 levels in the paper), keys and values
    stored in one 3-bit cell each (`GainCell(bits=3)`: 8 levels, as in the paper, where "the stored K and V
    projections are quantized in 8 levels between 0 and 0.9"), and the attention output `A V` read with a 5-bit ADC
    over `[-1, 1]` (32 levels in the paper). The paper's analog charge-to-pulse activation is replaced by a digital
    softmax, so the scores `Q K^T` are read by `score_adc` (8 bits by default, our choice) and the attention
    weights are applied through `a_dac` (8 bits, our choice).

    Scaling (how digital values meet the arrays): each query, key and value vector (per token and head) is scaled
    by its own `max |.|` to `[-1, 1]`; the key and value scales are kept digitally next to the token (as in a
    block-quantized KV cache). The `Q K^T` array is read as a mean over the head dimension (so `[-1, 1]` is the
    full scale of `score_adc`) and each score is rescaled digitally by the query and key scales. The `A V`
    array is driven by `A_ji s_i` (attention weight times value scale), each row scaled by its maximum, and read
    relative to the sum of its inputs (a reference column), which keeps the output in `[-1, 1]`.

    Signed storage (`kv_encoding`): `"offset"` (default) writes each element into one cell at
    `g_min + (x + 1) (g_max - g_min) / 2` (so `2**bits` levels span `[-1, 1]`, with no level at 0 for the 3-bit
    cell) and each stored vector gets a reference cell written at mid-scale (unquantized, with write noise) that is
    read alongside it and subtracted, so the leak towards `g_min` scales the stored values as it does for a pair.
    `"differential"` stores each element in a pair `(G+, G-)` of cells (`2**(bits + 1) - 1` signed levels:
    `GainCell(bits=2)` gives 7, twice the cells for fewer levels than one 3-bit cell).

    Timing: token `i` is written at `i * t_token_s`; query `j` reads it `|j - i| * t_token_s + t_read_s`
    after the write (exact for causal generation, one token per step), so older tokens have decayed more
    (`GainCell` retention). `t_token_s = 1 us` is illustrative, not a published figure.

    **Arguments:**

    - `device`: the gain cell (write noise, bits per cell, retention).
    - `q_dac`: DAC of the queries (`Q K^T` inputs).
    - `score_adc`: ADC of the scores, in units of the mean over the head dimension.
    - `a_dac`: DAC of the attention weights (`A V` inputs), unsigned in `[0, 1]`.
    - `out_adc`: ADC of the attention output `A V`, relative to the row sum, in `[-1, 1]`.
    - `kv_encoding`: how signed keys and values are stored: `"offset"` or `"differential"` (see above).
    - `t_token_s`: time between two tokens (s).
    - `t_read_s`: time from a token's write to its first read (s).
    """

    device: GainCell = eqx.field(default_factory=lambda: GainCell(bits=3))
    q_dac: DAC = eqx.field(default_factory=lambda: DAC(bits=4))
    score_adc: ADC = eqx.field(default_factory=lambda: ADC(bits=8, bound=1.0))
    a_dac: DAC = eqx.field(default_factory=lambda: DAC(bits=8))
    out_adc: ADC = eqx.field(default_factory=lambda: ADC(bits=5, bound=1.0))
    t_token_s: float | jax.Array = 1e-6
    t_read_s: float | jax.Array = 0.0
    kv_encoding: str = eqx.field(static=True, default="offset")

    def __check_init__(self):
        if self.kv_encoding not in _ENCODINGS:
            raise ValueError(
                f"AttentionConfig kv_encoding must be one of {_ENCODINGS}, got {self.kv_encoding!r}"
            )
        if not isinstance(self.device, GainCell):
            raise ValueError(
                f"AttentionConfig device must be an analogsim.devices.GainCell, got {type(self.device).__name__}"
            )
        for name, cls in (("q_dac", DAC), ("score_adc", ADC), ("a_dac", DAC), ("out_adc", ADC)):
            if not isinstance(getattr(self, name), cls):
                raise ValueError(
                    f"AttentionConfig {name} must be an analogsim.{cls.__name__}, "
                    f"got {type(getattr(self, name)).__name__}"
                )
        for name in ("score_adc", "out_adc"):
            if getattr(self, name).noise_std is not None:
                raise ValueError(
                    f"AttentionConfig {name} noise_std must be None: output noise of the dynamic arrays is not "
                    "modelled (write noise of the gain cells is; see GainCell.write_noise_std)"
                )
        check(lambda t: t >= 0, self.t_token_s, "AttentionConfig t_token_s must be >= 0")
        check(lambda t: t >= 0, self.t_read_s, "AttentionConfig t_read_s must be >= 0")

    @classmethod
    def ideal(cls) -> AttentionConfig:
        """Continuous, noiseless, non-leaking cells and ideal converters: attention equals the digital one."""
        return cls(
            device=GainCell(bits=None, write_noise_std=0.0, tau_s=math.inf),
            q_dac=DAC(bits=None, bound=None),
            score_adc=ADC(bits=None, bound=None),
            a_dac=DAC(bits=None, bound=None),
            out_adc=ADC(bits=None, bound=None),
        )

    def ages_s(self, n_q: int, n_kv: int) -> Float[Array, "q kv"]:
        """Time (s) between the write of key/value `i` and its read by query `j`."""
        j = jnp.arange(n_q, dtype=jnp.float32)[:, None]
        i = jnp.arange(n_kv, dtype=jnp.float32)[None, :]
        return jnp.abs(j - i) * self.t_token_s + self.t_read_s


def _absmax(x: jax.Array) -> jax.Array:
    m = jnp.max(jnp.abs(x), axis=-1, keepdims=True)
    return jax.lax.stop_gradient(jnp.where(m > 0, m, 1.0))


def write_dynamic(
    device: GainCell, x: jax.Array, *, key: PRNGKeyArray | None, encoding: str = "offset"
) -> jax.Array:
    """Write signed values `x` in `[-1, 1]` (..., d) into gain cells; return the stored signed value right after
    the write, in `[-1, 1]`.

    `encoding="offset"`: one cell per value at `g_min + (x + 1) span / 2` and one reference cell per vector
    (last axis) at mid-scale, unquantized; the value read is `(g - g_ref) / (span / 2)`. `"differential"`: a pair
    of cells per value, `(G+ - G-) / span`."""
    if encoding not in _ENCODINGS:
        raise ValueError(f"encoding must be one of {_ENCODINGS}, got {encoding!r}")
    g_min = jnp.asarray(device.g_min_us, jnp.float32)
    span = jnp.asarray(device.g_max_us, jnp.float32) - g_min
    x = jnp.where(x > 1.0, 1.0, jnp.where(x < -1.0, -1.0, x))  # full gradient at +-1 (unlike jnp.clip)
    keys = [None, None] if key is None else [jr.fold_in(key, 0), jr.fold_in(key, 1)]
    if encoding == "offset":
        half = 0.5 * span
        g = device.program(g_min + (x + 1.0) * half, key=keys[0]).g
        ref_cell = dataclasses.replace(device, bits=None)
        g_ref = ref_cell.program(jnp.broadcast_to(g_min + half, x.shape[:-1] + (1,)), key=keys[1]).g
        return (g - g_ref) / half
    stored = []
    for cell, target in enumerate((jnp.maximum(x, 0.0), jnp.maximum(-x, 0.0))):
        stored.append(device.program(g_min + target * span, key=keys[cell]).g)
    return (stored[0] - stored[1]) / span


def analog_scores(
    cfg: AttentionConfig, q: jax.Array, k: jax.Array, *, key: PRNGKeyArray | None
) -> Float[Array, "heads q kv"]:
    """`Q K^T / sqrt(d)` per head on a dynamic array: q (n_q, heads, d), k (n_kv, heads, d)."""
    d = q.shape[-1]
    vq, gq = cfg.q_dac(q)  # (n_q, h, d), (n_q, h, 1)
    sk = _absmax(k)
    kn = write_dynamic(cfg.device, k / sk, key=key, encoding=cfg.kv_encoding)
    r = cfg.device.retention(cfg.ages_s(q.shape[0], k.shape[0]))  # (n_q, n_kv)
    y = jnp.einsum("jhd,ihd->hji", vq, kn) * (r / d)
    y = cfg.score_adc(y)
    return y * (d / math.sqrt(d)) * gq[..., 0].T[:, :, None] * sk[..., 0].T[:, None, :]


def analog_mix(
    cfg: AttentionConfig, a: jax.Array, v: jax.Array, *, key: PRNGKeyArray | None
) -> Float[Array, "q heads dv"]:
    """`A V` per head on a dynamic array: a (heads, n_q, n_kv) >= 0, v (n_kv, heads, dv)."""
    sv = _absmax(v)  # (n_kv, h, 1)
    vn = write_dynamic(cfg.device, v / sv, key=key, encoding=cfg.kv_encoding)
    r = cfg.device.retention(cfg.ages_s(a.shape[1], v.shape[0]))
    u = a * sv[..., 0].T[:, None, :]  # (h, n_q, n_kv)
    un, gain = cfg.a_dac(u)
    den = jnp.sum(un, axis=-1, keepdims=True)
    den = jnp.where(den > 0, den, 1.0)
    y = jnp.einsum("hji,ihd->hjd", un * r, vn) / den
    y = cfg.out_adc(y) * den * gain
    return y.transpose(1, 0, 2)


class AnalogAttention(eqx.Module):
    """Multi-head attention on analog hardware, call-compatible with `eqx.nn.MultiheadAttention`.

    The Q, K, V and output projections are static crossbars (`AnalogLinear`). With an
    `AttentionConfig` the score product `Q K^T` and the mix `A V` run on dynamic gain-cell arrays written
    at run time (write noise, limited bits, retention decay between write and read; see `AttentionConfig`); the
    softmax and the masking are digital. With `attention_config=None` only the projections are analog.

    Write noise of the dynamic arrays is part of the hardware (not a training-only noise): a key is needed whenever
    the gain cell is noisy.
    """

    query_proj: AnalogLinear
    key_proj: AnalogLinear
    value_proj: AnalogLinear
    output_proj: AnalogLinear
    attention_config: AttentionConfig | None
    num_heads: int = eqx.field(static=True)
    qk_size: int = eqx.field(static=True)
    vo_size: int = eqx.field(static=True)

    def __init__(
        self,
        num_heads: int,
        query_size: int,
        *,
        config: CrossbarConfig,
        attention_config: AttentionConfig | None = None,
        key: PRNGKeyArray,
        hwa: HWANoise | None = None,
        use_bias: bool = False,
        projections: tuple | None = None,
    ):
        """Self-attention over `query_size` features with `num_heads` heads of `query_size // num_heads`.
        `projections=(q, k, v, o)` (AnalogLinear layers) builds it around given projections instead."""
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads < 1:
            raise ValueError(f"num_heads must be a positive int, got {num_heads!r}")
        if attention_config is not None and not isinstance(attention_config, AttentionConfig):
            raise ValueError(
                f"attention_config must be an analogsim.nn.AttentionConfig or None, "
                f"got {type(attention_config).__name__}"
            )
        if projections is None:
            if isinstance(query_size, bool) or not isinstance(query_size, int) or query_size % num_heads:
                raise ValueError(
                    f"query_size must be a positive int divisible by num_heads={num_heads}, got {query_size!r}"
                )
            ks = jr.split(key, 4)
            projections = tuple(
                AnalogLinear(query_size, query_size, config=config, key=k, use_bias=use_bias, hwa=hwa)
                for k in ks
            )
        q, k, v, o = projections
        if q.out_features % num_heads or v.out_features % num_heads or k.out_features != q.out_features:
            raise ValueError(
                f"projection sizes (q {q.out_features}, k {k.out_features}, v {v.out_features}) must be divisible "
                f"by num_heads={num_heads}, with equal q and k sizes"
            )
        self.query_proj, self.key_proj, self.value_proj, self.output_proj = q, k, v, o
        self.attention_config = attention_config
        self.num_heads = num_heads
        self.qk_size = q.out_features // num_heads
        self.vo_size = v.out_features // num_heads

    @classmethod
    def from_mha(
        cls,
        mha: eqx.nn.MultiheadAttention,
        config: CrossbarConfig,
        attention_config: AttentionConfig | None = None,
        *,
        hwa: HWANoise | None = None,
    ) -> AnalogAttention:
        """The analog version of an `eqx.nn.MultiheadAttention`, keeping its weights (dropout is dropped)."""
        projs = tuple(
            AnalogLinear.from_linear(p, config, hwa=hwa)
            for p in (mha.query_proj, mha.key_proj, mha.value_proj, mha.output_proj)
        )
        return cls(
            mha.num_heads,
            mha.query_size,
            config=config,
            attention_config=attention_config,
            key=None,
            projections=projs,
        )

    def __call__(
        self,
        query: Float[Array, "q_seq q_size"],
        key_: Float[Array, "kv_seq k_size"],
        value: Float[Array, "kv_seq v_size"],
        mask: Bool[Array, "q_seq kv_seq"] | Bool[Array, "heads q_seq kv_seq"] | None = None,
        *,
        key: PRNGKeyArray | None = None,
        inference: bool | None = None,
    ) -> Float[Array, "q_seq o_size"]:
        """Same arguments as `eqx.nn.MultiheadAttention.__call__`; `mask` False = not attended.
        `inference` is accepted for compatibility and ignored (no dropout)."""
        del inference
        query, key_, value = jnp.asarray(query), jnp.asarray(key_), jnp.asarray(value)
        for name, x in (("query", query), ("key_", key_), ("value", value)):
            if x.ndim != 2:
                raise ValueError(f"AnalogAttention {name} must have shape (seq, features), got {x.shape}")
        if key_.shape[0] != value.shape[0]:
            raise ValueError(
                f"key_ and value must have the same sequence length, got {key_.shape[0]} and {value.shape[0]}"
            )
        n_q, n_kv = query.shape[0], key_.shape[0]
        if mask is not None:
            mask = jnp.asarray(mask)
            if mask.shape not in ((n_q, n_kv), (self.num_heads, n_q, n_kv)):
                raise ValueError(
                    f"mask must have shape (q_seq, kv_seq) = {(n_q, n_kv)} or (heads, q_seq, kv_seq), "
                    f"got {mask.shape}"
                )
        acfg = self.attention_config
        if acfg is not None and acfg.device.stochastic and key is None:
            raise ValueError("the gain-cell writes of analog attention are noisy: pass key=...")
        keys = [None] * 6 if key is None else list(jr.split(key, 6))
        q = apply_linear(self.query_proj, query, key=keys[0]).reshape(n_q, self.num_heads, self.qk_size)
        k = apply_linear(self.key_proj, key_, key=keys[1]).reshape(n_kv, self.num_heads, self.qk_size)
        v = apply_linear(self.value_proj, value, key=keys[2]).reshape(n_kv, self.num_heads, self.vo_size)
        if acfg is None:
            logits = jnp.einsum("jhd,ihd->hji", q, k) / math.sqrt(self.qk_size)
        else:
            logits = analog_scores(acfg, q, k, key=keys[3])
        if mask is not None:
            logits = jnp.where(mask, logits, jnp.finfo(logits.dtype).min)
        a = jax.nn.softmax(logits, axis=-1)
        if acfg is None:
            out = jnp.einsum("hji,ihd->jhd", a, v)
        else:
            out = analog_mix(acfg, a, v, key=keys[4])
        return apply_linear(self.output_proj, out.reshape(n_q, -1), key=keys[5])


def causal_mask(n: int) -> Bool[Array, "n n"]:
    """Lower-triangular mask: position `j` attends to `i <= j`."""
    return jnp.tril(jnp.ones((n, n), dtype=bool))
