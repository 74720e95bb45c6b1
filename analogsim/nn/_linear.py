"""The analog fully connected layer and its hardware-aware training noise."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

from .. import _random
from .._config import CrossbarConfig
from .._crossbar import Crossbar, program
from .._custom_types import PRNGKeyArray
from .._tile_parallel import TileParallel
from .._validate import check, check_key
from ..devices import PCM, Ideal

_NOISE_KINDS = ("additive", "pcm")
_PASS_KEY_DOWN = (
    "; if this layer sits inside a model, the model's __call__ must take a key and pass it down to each analog "
    "layer (split it with jax.random.split, as analogsim.nn.apply_linear(layer, x, key=k) expects)"
)


class HWANoise(eqx.Module):
    """Hardware-aware training: what the forward pass of an unprogrammed analog layer injects while training.

    Following the hardware-aware training recipe of IBM aihwkit (Rasch et al., "Hardware-aware training for
    large-scale and diverse deep learning inference workloads using in-memory computing-based accelerators",
    Nature Communications 14, 5282 (2023); Joshi et al., Nature Communications 11, 2473 (2020)): fresh Gaussian
    weight noise on every mini-batch, the DAC/ADC quantization of the target hardware with straight-through
    gradients (always on: it comes from the layer's `CrossbarConfig`), and optional weight clipping.

    **Arguments:**

    - `weight_noise_std`: standard deviation of the weight perturbation, relative to each output's `max |w|` (the
      weight mapped to `g_max`), for the largest weight of each output. `kind="additive"`: the same for every
      weight (aihwkit `WeightModifierType.ADD_NORMAL`). `kind="pcm"`: scaled by the shape of the programming noise
      of `analogsim.devices.PCM` (`PCM.relative_prog_std`, aihwkit's `PCMLikeNoiseModel` polynomial) at the
      normalized conductance `|w| / max|w|` each weight is programmed to, so the training noise follows the device
      fit. With `weight_noise_std = PCM().prog_std_us(g_max) / g_max` (0.0422) it equals the device's programming
      noise in weight units.
    - `kind`: `"additive"` or `"pcm"`.
    - `clip_sigma`: if not None, weights are clipped to `+- clip_sigma` standard deviations of their layer
      (aihwkit `WeightClipType.LAYER_GAUSSIAN`) in the training forward pass *and* when programmed, so the
      few outliers no longer set the conductance scale. None: no clipping.
    """

    weight_noise_std: float | jax.Array = 0.04
    kind: str = eqx.field(static=True, default="additive")
    clip_sigma: float | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        check(lambda s: s >= 0, self.weight_noise_std, "HWANoise weight_noise_std must be >= 0")
        if self.kind not in _NOISE_KINDS:
            raise ValueError(f"HWANoise kind must be one of {_NOISE_KINDS}, got {self.kind!r}")
        if self.clip_sigma is not None and (
            isinstance(self.clip_sigma, bool)
            or not isinstance(self.clip_sigma, (int, float))
            or not self.clip_sigma > 0
        ):
            raise ValueError(f"HWANoise clip_sigma must be a number > 0 or None, got {self.clip_sigma!r}")

    def clip(self, w: jax.Array) -> jax.Array:
        """`w` clipped to `+- clip_sigma` standard deviations of all its entries (unchanged without `clip_sigma`)."""
        if self.clip_sigma is None:
            return w
        bound = self.clip_sigma * jnp.std(w)
        return jnp.clip(w, -bound, bound)

    def std(self, w: Float[Array, "out in"]) -> Float[Array, "out in"]:
        """Standard deviation of the training perturbation of each weight of `w`, in the units of `w`.

        `weight_noise_std * max|w|` (per output) times the shape of the noise: 1 for `kind="additive"`; for
        `kind="pcm"` the programming-noise shape of `analogsim.devices.PCM` (`PCM.relative_prog_std`) at the
        normalized conductance `|w| / max|w|` the weight is programmed to.
        """
        wmax = jnp.max(jnp.abs(w), axis=1, keepdims=True)
        wmax = jax.lax.stop_gradient(jnp.where(wmax > 0, wmax, 1.0))
        if self.kind == "additive":
            rel = jnp.ones_like(w)
        else:
            rel = PCM().relative_prog_std(jax.lax.stop_gradient(jnp.abs(w) / wmax))
        return self.weight_noise_std * wmax * rel

    def perturb(self, w: Float[Array, "out in"], key: PRNGKeyArray) -> Float[Array, "out in"]:
        """`w` plus fresh Gaussian noise of standard deviation `std(w)` drawn from `key`."""
        return w + self.std(w) * _random.normal(key, w.shape)


def _training_config(config: CrossbarConfig) -> CrossbarConfig:
    """The same converters, tiles and per-MVM noise on ideal devices: what the training forward pass runs through
    (the weight noise of `HWANoise` stands in for the device)."""
    return CrossbarConfig(
        device=Ideal(),
        dac=config.dac,
        adc=config.adc,
        tile=config.tile,
        mapping=config.mapping,
        read_noise=config.read_noise,
    )


def _check_features(x: jax.Array, n: int, what: str) -> None:
    if x.ndim < 1 or x.shape[-1] != n:
        raise ValueError(f"{what} expects inputs of shape (..., {n}), got shape {x.shape}")


class AnalogLinear(eqx.Module):
    """A fully connected layer `y = W x + b` whose matrix-vector product runs on an analog crossbar.

    Two modes, both pure:

    - *unprogrammed* (`crossbar is None`, the training mode): the forward pass runs through the converters of
      `config` (DAC and ADC with straight-through gradients, tiling, per-MVM noise) on ideal devices, with the
      hardware-aware training noise of `hwa` (fresh weight noise per call) unless `inference=True`
      (`eqx.nn.inference_mode`). With `CrossbarConfig.ideal()` and no `hwa` it equals `W x + b`.
    - *programmed* (after `analogsim.nn.program_model` or `program`): the weights live in a
      `analogsim.Crossbar` (programming noise, drift, faults...) and `at(t, key=...)` ages it.

    The bias is digital (added after the ADC). Unlike `eqx.nn.Linear` the layer accepts `x` of shape
    `(..., in_features)`: one call on a batch draws one weight-noise sample (like one programmed array) and
    independent per-MVM noise per vector.

    Gradients with respect to a model holding analog layers: use `eqx.filter_grad` (or `eqx.filter_value_and_grad`,
    as `analogsim.nn.train` does). Plain `jax.grad` over the whole model rejects its non-float leaves before any
    layer runs: the `inference` flag (a bool, as in `eqx.nn.Dropout`, so that `eqx.nn.inference_mode` can set it)
    and, once programmed, the crossbar's PRNG key. `jax.grad` with respect to inputs or weight arrays works.

    **Attributes:**

    - `weight`: the trainable weights (out, in).
    - `bias`: the digital bias (out,) or None.
    - `config`: the target hardware.
    - `hwa`: the hardware-aware training noise, or None.
    - `crossbar`: the programmed array, or None before programming.
    - `inference`: if True, the unprogrammed forward pass adds no training noise (converters still apply).
    - `in_features`, `out_features`: the layer's input and output sizes.
    - `tile_parallel`: where the crossbar's input tiles live (`analogsim.distributed.TileParallel`), or None for
      one device. When set, `program` and `at` keep each device's tiles on that device and the programmed
      forward pass is `analogsim.distributed.tile_parallel_mvm` (set it with `analogsim.distributed.shard_model`).
    """

    weight: Float[Array, "out in"]
    bias: Float[Array, " out"] | None
    config: CrossbarConfig
    hwa: HWANoise | None
    crossbar: Crossbar | None
    inference: bool
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    tile_parallel: TileParallel | None = eqx.field(static=True, default=None)

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        config: CrossbarConfig,
        key: PRNGKeyArray,
        use_bias: bool = True,
        hwa: HWANoise | None = None,
        weight: jax.Array | None = None,
        bias: jax.Array | None = None,
        crossbar: Crossbar | None = None,
        inference: bool = False,
        tile_parallel: TileParallel | None = None,
    ):
        """Initialize weights like `eqx.nn.Linear` (uniform in `+-1/sqrt(in_features)`), or take given ones.

        **Arguments:**

        - `in_features`, `out_features`: input and output sizes (positive ints).
        - `config`: the target hardware (`analogsim.CrossbarConfig`).
        - `key`: draws the initial weights and bias (unused when `weight` is given).
        - `use_bias`: whether the layer has a digital bias.
        - `hwa`: hardware-aware training noise (`HWANoise`), or None.
        - `weight`, `bias`: initial values `(out, in)` and `(out,)` instead of random ones.
        - `crossbar`: an already programmed array for these weights, or None.
        - `inference`: switch the training noise off (see `eqx.nn.inference_mode`).
        - `tile_parallel`: split the programmed crossbar's input tiles over a mesh axis, or None.
        """
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"AnalogLinear {name} must be a positive int, got {v!r}")
        if not isinstance(config, CrossbarConfig):
            raise ValueError(f"config must be an analogsim.CrossbarConfig, got {type(config).__name__}")
        if hwa is not None and not isinstance(hwa, HWANoise):
            raise ValueError(f"hwa must be an analogsim.nn.HWANoise or None, got {type(hwa).__name__}")
        if tile_parallel is not None:
            if not isinstance(tile_parallel, TileParallel):
                raise ValueError(
                    "tile_parallel must be an analogsim.distributed.TileParallel or None, got "
                    f"{type(tile_parallel).__name__}"
                )
            tile_parallel.check((out_features, in_features), config)
        lim = 1 / math.sqrt(in_features)
        if weight is None:
            wkey, bkey = jr.split(key)
            weight = jr.uniform(wkey, (out_features, in_features), minval=-lim, maxval=lim)
            if use_bias and bias is None:
                bias = jr.uniform(bkey, (out_features,), minval=-lim, maxval=lim)
        weight = jnp.asarray(weight)
        if weight.shape != (out_features, in_features):
            raise ValueError(
                f"weight must have shape (out_features, in_features) = {(out_features, in_features)}, "
                f"got {weight.shape}"
            )
        if not use_bias:
            bias = None
        elif bias is not None:
            bias = jnp.asarray(bias)
            if bias.shape != (out_features,):
                raise ValueError(f"bias must have shape ({out_features},), got {bias.shape}")
        self.weight = weight
        self.bias = bias
        self.config = config
        self.hwa = hwa
        self.crossbar = crossbar
        self.inference = inference
        self.in_features = in_features
        self.out_features = out_features
        self.tile_parallel = tile_parallel

    @classmethod
    def from_linear(
        cls, linear: eqx.nn.Linear, config: CrossbarConfig, *, hwa: HWANoise | None = None
    ) -> AnalogLinear:
        """The analog version of an `eqx.nn.Linear`, keeping its weights (`"scalar"` features are rejected)."""
        if not isinstance(linear, eqx.nn.Linear):
            raise ValueError(f"from_linear expects an eqx.nn.Linear, got {type(linear).__name__}")
        if linear.in_features == "scalar" or linear.out_features == "scalar":
            raise ValueError("cannot analogize an eqx.nn.Linear with 'scalar' in/out features")
        return cls(
            linear.in_features,
            linear.out_features,
            config=config,
            key=None,
            use_bias=linear.use_bias,
            hwa=hwa,
            weight=linear.weight,
            bias=linear.bias,
        )

    @property
    def programmed(self) -> bool:
        return self.crossbar is not None

    def programming_weight(self) -> Float[Array, "out in"]:
        """The weights as they are mapped to conductances (clipped if `hwa.clip_sigma` is set)."""
        return self.weight if self.hwa is None else self.hwa.clip(self.weight)

    def program(self, *, key: PRNGKeyArray | None) -> AnalogLinear:
        """This layer with its weights programmed into a crossbar (see `analogsim.program`; with `tile_parallel`,
        programmed straight into the devices' shards)."""
        w = self.programming_weight()
        xb = program(w, self.config, key=key) if self.tile_parallel is None else self.tile_parallel.program(
            w, self.config, key=key
        )
        return eqx.tree_at(lambda m: m.crossbar, self, xb, is_leaf=lambda x: x is None)

    def at(self, t_seconds, *, key: PRNGKeyArray | None = None) -> AnalogLinear:
        """This programmed layer `t_seconds` after programming (see `analogsim.Crossbar.at`)."""
        if self.crossbar is None:
            raise ValueError(
                "this AnalogLinear is not programmed: call program(key=...) or program_model first"
            )
        tp = self.tile_parallel
        xb = self.crossbar.at(t_seconds, key=key) if tp is None else tp.at(self.crossbar, t_seconds, key=key)
        return eqx.tree_at(lambda m: m.crossbar, self, xb)

    def __call__(
        self, x: Float[Array, "*batch in"], *, key: PRNGKeyArray | None = None
    ) -> Float[Array, "*batch out"]:
        x = jnp.asarray(x)
        _check_features(x, self.in_features, f"AnalogLinear({self.in_features} -> {self.out_features})")
        if self.crossbar is not None:
            if self.config.stochastic_mvm and key is None:
                raise ValueError("this analog layer has per-MVM noise (read or ADC noise): pass key=..." + _PASS_KEY_DOWN)
            tp = self.tile_parallel
            y = self.crossbar(x, key=key) if tp is None else tp(self.crossbar, x, key=key)
        else:
            noisy = self.hwa is not None and not self.inference
            if (noisy or self.config.stochastic_mvm) and key is None:
                raise ValueError(
                    "the training forward pass of this AnalogLinear is stochastic (hardware-aware training noise "
                    "or per-MVM noise): pass key=..., or switch the noise off with eqx.nn.inference_mode(model)"
                    + _PASS_KEY_DOWN
                )
            check_key(key, allow_none=True)
            w = self.programming_weight()
            if key is not None:
                wkey, mkey = jr.split(key)
            else:
                wkey = mkey = None
            if noisy:
                w = self.hwa.perturb(w, wkey)
            y = program(w, _training_config(self.config))(x, key=mkey)
        if self.bias is not None:
            y = y + self.bias
        return y


def apply_linear(layer, x: jax.Array, *, key: PRNGKeyArray | None = None) -> jax.Array:
    """Apply a linear layer (`AnalogLinear`, `eqx.nn.Linear` or anything with the same call) to `x` of shape
    (..., in): analog layers take the batch directly, others are vmapped over the leading axes."""
    if isinstance(layer, AnalogLinear):
        return layer(x, key=key)
    batch = x.shape[:-1]
    y = jax.vmap(layer)(x.reshape(-1, x.shape[-1]))
    return y.reshape(*batch, y.shape[-1])
