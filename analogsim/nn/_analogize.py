"""Turn any equinox model into an analog one, program it, age it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import equinox as eqx
import jax
import jax.random as jr

from .._config import CrossbarConfig
from .._crossbar import _check_t
from .._custom_types import PRNGKeyArray
from .._validate import check_key
from ._attention import AnalogAttention, AttentionConfig
from ._linear import AnalogLinear, HWANoise

_ATTENTION_CHOICES = "None (leave eqx.nn.MultiheadAttention digital), 'projections', or an AttentionConfig"


def _is_layer(x) -> bool:
    return isinstance(x, (eqx.nn.Linear, eqx.nn.MultiheadAttention, AnalogLinear, AnalogAttention))


def analogize(
    model,
    config: CrossbarConfig,
    *,
    attention: AttentionConfig | str | None = None,
    hwa: HWANoise | None = None,
    where: Callable | None = None,
):
    """Replace the `eqx.nn.Linear` layers of an equinox model by `AnalogLinear` layers on `config`,
    keeping the weights (with `eqx.tree_at`-style surgery; the model's own code is unchanged).

    **Arguments:**

    - `model`: any pytree of equinox modules.
    - `config`: the crossbar hardware of every analogized linear layer.
    - `attention`: what to do with `eqx.nn.MultiheadAttention` layers: `None` leaves them (and their
      projections) digital; `"projections"` makes an `AnalogAttention` with analog projections and
      digital `Q K^T` / `A V`; an `AttentionConfig` also puts those on dynamic gain-cell arrays.
    - `hwa`: hardware-aware training noise given to every analog layer (None: none).
    - `where`: optional `where(model) -> layer or sequence of layers` (as in `eqx.tree_at`) selecting which
      layers to convert; each must be an `eqx.nn.Linear` or `eqx.nn.MultiheadAttention`.

    Already-analog layers get the new `config`/`hwa` (their weights kept, any programming dropped). With
    `CrossbarConfig.ideal()` (and `AttentionConfig.ideal()`) the analogized model computes what the original
    does, to float32 rounding. Raises `ValueError` for an unknown `attention` choice, a selected layer of
    another type, or a model without any linear layer.
    """
    if not isinstance(config, CrossbarConfig):
        raise ValueError(f"config must be an analogsim.CrossbarConfig, got {type(config).__name__}")
    if not (attention is None or attention == "projections" or isinstance(attention, AttentionConfig)):
        raise ValueError(f"attention must be {_ATTENTION_CHOICES}, got {attention!r}")
    if hwa is not None and not isinstance(hwa, HWANoise):
        raise ValueError(f"hwa must be an analogsim.nn.HWANoise or None, got {type(hwa).__name__}")
    acfg = attention if isinstance(attention, AttentionConfig) else None

    def convert(layer):
        if isinstance(layer, eqx.nn.Linear):
            return AnalogLinear.from_linear(layer, config, hwa=hwa)
        if isinstance(layer, AnalogLinear):
            return _rebuilt(layer, config, hwa, inference=False)
        if isinstance(layer, eqx.nn.MultiheadAttention):
            if attention is None:
                return layer
            return AnalogAttention.from_mha(layer, config, acfg, hwa=hwa)
        if isinstance(layer, AnalogAttention):
            projs = tuple(
                convert(p) for p in (layer.query_proj, layer.key_proj, layer.value_proj, layer.output_proj)
            )
            return AnalogAttention(
                layer.num_heads,
                layer.query_proj.in_features,
                config=config,
                attention_config=acfg if attention is not None else layer.attention_config,
                key=None,
                projections=projs,
            )
        return layer

    if where is not None:
        return _convert_selected(model, where, convert)

    found = [x for x in jax.tree.leaves(model, is_leaf=_is_layer) if _is_layer(x)]
    if not found:
        raise ValueError(
            f"found no eqx.nn.Linear or eqx.nn.MultiheadAttention layer to analogize in a {type(model).__name__}"
        )
    return jax.tree.map(lambda x: convert(x) if _is_layer(x) else x, model, is_leaf=_is_layer)


def _convert_selected(model, where: Callable, convert: Callable):
    """`model` with the layers selected by `where` (one or a sequence, as in `eqx.tree_at`) replaced by
    `convert(layer)`."""
    selected = where(model)
    nodes = list(selected) if isinstance(selected, (list, tuple)) else [selected]
    for node in nodes:
        if not isinstance(node, (eqx.nn.Linear, eqx.nn.MultiheadAttention, AnalogLinear, AnalogAttention)):
            raise ValueError(
                f"cannot analogize a {type(node).__name__}: analogize converts eqx.nn.Linear and "
                "eqx.nn.MultiheadAttention layers (and re-configures analog ones)"
            )
    new = [convert(n) for n in nodes]
    if isinstance(selected, (list, tuple)):
        return eqx.tree_at(where, model, type(selected)(new))
    return eqx.tree_at(where, model, new[0])


def _rebuilt(
    layer: AnalogLinear, config: CrossbarConfig, hwa: HWANoise | None, *, inference: bool
) -> AnalogLinear:
    """`layer`'s weights and bias on other hardware, unprogrammed."""
    return AnalogLinear(
        layer.in_features,
        layer.out_features,
        config=config,
        key=None,
        use_bias=layer.bias is not None,
        hwa=hwa,
        weight=layer.weight,
        bias=layer.bias,
        inference=inference,
    )


def _is_analog(x) -> bool:
    return isinstance(x, AnalogLinear)


def _analog_layers(model) -> list[AnalogLinear]:
    return [x for x in jax.tree.leaves(model, is_leaf=_is_analog) if _is_analog(x)]


def _map_analog(model, fn):
    """Apply `fn(i, layer)` to the i-th AnalogLinear of the model (in pytree order)."""
    counter = iter(range(10**9))
    return jax.tree.map(lambda x: fn(next(counter), x) if _is_analog(x) else x, model, is_leaf=_is_analog)


def program_model(model, *, key: PRNGKeyArray | None = None):
    """The model with every `AnalogLinear` programmed into its crossbar (each layer with its own key
    `fold_in(key, i)`). Pure: `vmap` it over keys for Monte-Carlo programmings. Raises `ValueError` if the
    model has no analog layer or a stochastic layer gets no key."""
    check_key(key, allow_none=True)
    layers = _analog_layers(model)
    if not layers:
        raise ValueError(
            f"program_model: found no AnalogLinear layer in a {type(model).__name__}; analogize first"
        )
    if key is None and any(layer.config.stochastic_program for layer in layers):
        raise ValueError("programming these analog layers is stochastic: pass key=...")
    return _map_analog(model, lambda i, layer: layer.program(key=None if key is None else jr.fold_in(key, i)))


def age_model(model, t_seconds, *, key: PRNGKeyArray | None = None):
    """The programmed model `t_seconds` after programming (absolute time): every analog layer's
    `Crossbar.at(t, key=fold_in(key, i))`. Raises `ValueError` for `t < 0` or an unprogrammed model."""
    check_key(key, allow_none=True)
    t = _check_t(t_seconds)
    layers = _analog_layers(model)
    if not layers or any(layer.crossbar is None for layer in layers):
        raise ValueError("age_model needs a programmed model: call program_model(model, key=...) first")
    if key is None and any(layer.config.device.stochastic for layer in layers):
        raise ValueError("reading these analog layers over time is stochastic: pass key=...")
    return _map_analog(model, lambda i, layer: layer.at(t, key=None if key is None else jr.fold_in(key, i)))


def with_drift_compensation(model, enabled: bool):
    """The model with global drift compensation switched on or off in every analog layer's config (drops any
    programming: program again afterwards)."""
    if not isinstance(enabled, bool):
        raise ValueError(f"enabled must be a bool, got {enabled!r}")

    def fn(i, layer):
        cfg = dataclasses.replace(layer.config, drift_compensation=enabled)
        return _rebuilt(layer, cfg, layer.hwa, inference=layer.inference)

    return _map_analog(model, fn)
