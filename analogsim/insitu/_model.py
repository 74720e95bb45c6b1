"""In-situ training of a whole equinox model: every `AnalogLinear` weight on a pulsed array, every other trainable
leaf with optax, in one step."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax

from .._validate import check
from ..nn import AnalogLinear, trainable
from ._state import AnalogIO, InsituState

_RECORD: contextvars.ContextVar[list | None] = contextvars.ContextVar("insitu_record", default=None)
"""While `_probe_shapes` traces a loss abstractly: the list each `InsituLinear` call appends its index and its input
and output shapes to (shapes only, at trace time: no traced value leaves the trace)."""


def _is_analog(x) -> bool:
    return isinstance(x, AnalogLinear)


def analog_layers(model) -> list[AnalogLinear]:
    """The `AnalogLinear` layers of `model` in pytree order: the order of `ModelState.layers`."""
    return [x for x in jax.tree.leaves(model, is_leaf=_is_analog) if _is_analog(x)]


def _map_analog(model, fn):
    """`model` with its i-th `AnalogLinear` (pytree order) replaced by `fn(i, layer)`."""
    counter = iter(range(1 << 30))
    return jax.tree.map(lambda x: fn(next(counter), x) if _is_analog(x) else x, model, is_leaf=_is_analog)


@eqx.filter_custom_vjp
def _tapped_read(taps, w, scale, io, keys):
    """`scale * read(w, x) + probe_y`; its VJP reads the transpose and hands out the tap (see `InsituLinear`)."""
    x, probe_y, _ = taps
    return scale * io.read(w, x, key=keys[0]) + probe_y


@_tapped_read.def_fwd
def _tapped_read_fwd(perturbed, taps, w, scale, io, keys):
    del perturbed
    return _tapped_read.fn(taps, w, scale, io, keys), taps[0]


@_tapped_read.def_bwd
def _tapped_read_bwd(x, d, perturbed, taps, w, scale, io, keys):
    del perturbed, taps
    # `d = dL/dy`; the array sees the error `scale * d` at its outputs and reads it back through its transpose.
    dx = io.read(w.T, scale * d, key=keys[1])
    return dx, d, x


class InsituLinear(AnalogLinear):
    """An `AnalogLinear` whose weights live on a pulsed array that trains in situ: what `InsituTrainer` puts in a
    model for its forward and backward passes (`InsituTrainer.read_model` gives one for evaluation).

    The forward pass reads the array through the periphery `io` (DAC, output noise, ADC) and multiplies the
    result by the layer's fixed digital `scale`: `y = scale * read(w, x) + bias`. The backward pass reads the
    array's transpose with the same periphery: `dL/dx = read(w^T, scale * dL/dy)`; the quantizers' own
    derivatives play no part (the hardware's backward pass is a second read, not a derivative of the first).

    It subclasses `AnalogLinear` only so that `analogsim.nn.apply_linear` (and so every model built on it: the
    transformer's MLP, head and attention projections) hands it the whole `(..., in)` input with the layer's key;
    the inherited `config`, `hwa` and `inference` fields are kept but play no part.

    **Arguments:**

    - `layer`: the `AnalogLinear` it stands for (sizes, bias, config).
    - `w`: the array's weights `(out, in)` in the device's units (`optimizer.weights(state)`).
    - `scale`: the digital gain of the layer's output (weight units per device unit).
    - `io`: the periphery of the forward and backward reads.
    - `probe_y`, `probe_x`: zero arrays of the layer's output and input shape for one example, or `None`. When
      given, `jax.grad` of a loss with respect to them returns `dL/dy` (for `probe_y`) and the layer's input
      `x` (for `probe_x`) of every call position, without a second forward pass: the tap of the pulsed update.
    - `index`: the layer's position among the model's analog layers (pytree order).
    """

    scale: jax.Array
    io: AnalogIO
    probe_y: jax.Array | None
    probe_x: jax.Array | None
    index: int = eqx.field(static=True)

    def __init__(self, layer: AnalogLinear, w, scale, io: AnalogIO, probe_y=None, probe_x=None, *, index: int = 0):
        super().__init__(layer.in_features, layer.out_features, config=layer.config, key=None,
                         use_bias=layer.bias is not None, hwa=layer.hwa, weight=w, bias=layer.bias,
                         inference=layer.inference)
        self.scale = scale
        self.io = io
        self.probe_y = probe_y
        self.probe_x = probe_x
        self.index = index

    def __call__(self, x, *, key=None):
        x = jnp.asarray(x)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"InsituLinear({self.in_features} -> {self.out_features}) expects inputs of shape "
                             f"(..., {self.in_features}), got shape {x.shape}")
        noisy = not (isinstance(self.io.out_noise_std, (int, float)) and self.io.out_noise_std == 0)
        if noisy and key is None:
            raise ValueError("the reads of an in-situ trained layer add output noise (AnalogIO.out_noise_std > 0): "
                             "pass key=... to the model, which must pass it down to each analog layer")
        keys = (None, None) if key is None else tuple(jr.split(key))
        out_shape = x.shape[:-1] + (self.out_features,)
        record = _RECORD.get()
        if record is not None:
            record.append((self.index, x.shape, out_shape))
        probe_y = jnp.zeros(out_shape, x.dtype) if self.probe_y is None else self.probe_y
        probe_x = jnp.zeros(x.shape, x.dtype) if self.probe_x is None else self.probe_x
        if probe_y.shape != out_shape or probe_x.shape != x.shape:
            raise ValueError(f"analog layer {self.index} is called on inputs of shape {x.shape}, but its probes "
                             f"were sized for {probe_x.shape}: each analog layer must be called once per example, "
                             "on inputs of the same shape")
        y = _tapped_read((x, probe_y, probe_x), self.weight, self.scale, self.io, keys)
        return y if self.bias is None else y + self.bias


class ModelState(NamedTuple):
    """What `InsituTrainer` carries between steps: a pytree (jit, vmap over seeds, `analogsim.checkpoint`).

    **Attributes:**

    - `layers`: one `InsituState` per `AnalogLinear` of the model (pytree order, `analog_layers`), holding the
      device states, accumulators and `Counts` of every pulse and conversion.
    - `scales`: the digital output gain of each analog layer (weight units per device unit), fixed at `init`.
    - `digital`: the optax state of the model's other trainable leaves.
    - `step`: the number of steps taken (int32).
    """

    layers: tuple
    scales: tuple
    digital: Any
    step: jax.Array


class InsituTrainer(eqx.Module):
    """Train any equinox model that contains `AnalogLinear` layers (as `analogsim.nn.analogize` makes them,
    attention projections included) with an in-situ optimizer on every `AnalogLinear` weight and optax on every
    other trainable leaf (biases, norms, embeddings, positions), in one step.

    ```python
    model = asim.nn.analogize(model, asim.CrossbarConfig.ideal(), attention="projections")
    opt = asim.insitu.MixedPrecision(asim.devices.ecram_tang2018(), lr=0.1)
    trainer = asim.insitu.InsituTrainer(opt, optax.adam(1e-3))
    state = trainer.init(model, key=k1)
    step = eqx.filter_jit(trainer.step)
    model, state, loss = step(model, state, loss_fn, batch, key=k2)   # loss_fn(model, example, key)
    asim.insitu.pulse_stats(state)                                    # pulses per weight, most-pulsed cell
    ```

    One step: every analog layer reads its array (`optimizer.weights`) through `io` (DAC, output noise, ADC),
    times its digital `scale`; the loss is the mean of `loss_fn` over the batch's examples; the backward pass
    reads each array's transpose through `io`; each layer's inputs `x` and errors `dL/dy` at every position of
    every example (leading axes flattened: a transformer's (example, position) pairs are the samples of the
    pulsed update) go to `optimizer.update`, which pulses the array; optax updates the other leaves with the
    gradient of the same loss. The attention's `Q K^T` and `A V` stay as the model computes them.

    What the hardware of an `AnalogLinear` means here: the array is the optimizer's pulsed device, read through
    `io`; the layer's inference `CrossbarConfig` (device, tiles, DAC/ADC) and its `HWANoise` are ignored while it
    trains in situ (program the trained model with `analogsim.nn.program_model` afterwards for inference on that
    hardware). A programmed layer is refused.

    Units: a layer's weights `W` need not fit the device's range `[w_min, w_max]`. Each layer gets a fixed digital
    output gain `scale = max|W0| / (fill * w_bound)` at `init` (`w_bound = min(w_max, -w_min)` of the device the
    network reads, `W0` the layer's initial weights), the array starts at `W0 / scale` (its largest weight at
    `fill` of the range, leaving room to grow in both directions without clipping), and the layer computes
    `scale * read(w, x)`. The optimizer is handed the errors `dL/dy / scale`, so that its update of the array,
    `-lr (d / scale) x^T` in device units, moves `W` by `-lr d x^T`: its `lr` is the SGD learning rate of the
    layer's weights in their own units, the same for every layer whatever its scale (any positive factor on the
    error is the periphery's choice of learning rate; the backward read is invariant to it, its DAC normalizes).
    An optimizer whose step is invariant to the gradient's scale (`MixedPrecision` with `digital=optax.adam(lr)`)
    moves the array by about `lr` per step whatever `d / scale` is: its `lr` is in the array's weight units, and
    the layer's weights move by `scale * lr`.

    **Arguments:**

    - `optimizer`: the in-situ optimizer of every analog layer (`AnalogSGD`, `MixedPrecision`, `TikiTakaV2` or
      anything with their `init(shape, *, key, w0)`, `weights(state)`, `update(state, x, d, *, key)`).
    - `digital`: the optax optimizer of the other trainable leaves.
    - `io`: the periphery of the forward and backward reads. Default `AnalogIO()` (7-bit DAC, output noise 0.06,
      9-bit ADC).
    - `fill`: the fraction of the device's range the largest initial weight is mapped to. Default 0.5.
    """

    optimizer: Any
    digital: optax.GradientTransformation = eqx.field(static=True)
    io: AnalogIO = AnalogIO()
    fill: float | jax.Array = 0.5

    def __check_init__(self):
        if not all(callable(getattr(self.optimizer, m, None)) for m in ("init", "weights", "update")):
            raise ValueError("InsituTrainer optimizer must be an in-situ optimizer (analogsim.insitu.AnalogSGD, "
                             f"MixedPrecision, TikiTakaV2, ...), got {type(self.optimizer).__name__}")
        if not isinstance(self.digital, optax.GradientTransformation):
            raise ValueError(f"InsituTrainer digital must be an optax.GradientTransformation, got "
                             f"{type(self.digital).__name__}")
        if not isinstance(self.io, AnalogIO):
            raise ValueError(f"InsituTrainer io must be an analogsim.insitu.AnalogIO, got {type(self.io).__name__}")
        check(lambda f: (f > 0) & (f <= 1), self.fill, "InsituTrainer fill must be in (0, 1]")

    def _spec(self, model):
        """Filter spec of the digital leaves: `trainable` minus the analog weights."""
        spec = trainable(model)
        return _map_analog(spec, lambda i, s: eqx.tree_at(lambda layer: layer.weight, s, False))

    def _w_bound(self):
        dev = getattr(self.optimizer, "device_c", None) or self.optimizer.device
        return jnp.minimum(jnp.asarray(dev.w_max, jnp.float32), -jnp.asarray(dev.w_min, jnp.float32))

    def init(self, model, *, key) -> ModelState:
        """The state for training `model`: each analog layer's array pulsed towards its weights (see the units
        above; layer `i` draws from `fold_in(key, i)`), and the optax state of the other leaves."""
        layers = analog_layers(model)
        if not layers:
            raise ValueError(f"InsituTrainer: found no AnalogLinear layer in a {type(model).__name__}; make the "
                             "linear layers analog with analogsim.nn.analogize first")
        if any(layer.programmed for layer in layers):
            raise ValueError("InsituTrainer trains unprogrammed analog layers (their weights go onto the pulsed "
                             "arrays); this model has programmed ones: train the model before program_model")
        if key is None:
            raise ValueError("InsituTrainer.init draws each array's device-to-device spreads: pass key=...")
        bound = self._w_bound()
        states, scales = [], []
        for i, layer in enumerate(layers):
            w0 = jnp.asarray(layer.weight, jnp.float32)
            w_abs = jnp.max(jnp.abs(w0))
            scale = jnp.where(w_abs > 0, w_abs / (self.fill * bound), 1.0)
            states.append(self.optimizer.init(w0.shape, key=jr.fold_in(key, i), w0=w0 / scale))
            scales.append(scale)
        params = eqx.filter(model, self._spec(model))
        return ModelState(tuple(states), tuple(scales), self.digital.init(params), jnp.int32(0))

    def read_model(self, model, state: ModelState, probes=None):
        """`model` with each `AnalogLinear` replaced by the `InsituLinear` that reads its array: call it as the
        model (with a key, for the output noise of `io`) to evaluate the network as the arrays hold it."""
        probes = probes or [(None, None)] * len(state.layers)

        def swap(i, layer):
            w = self.optimizer.weights(state.layers[i])
            return InsituLinear(layer, w, state.scales[i], self.io, *probes[i], index=i)

        return _map_analog(model, swap)

    def effective_model(self, model, state: ModelState):
        """`model` with each `AnalogLinear`'s `weight` set to what its array holds, `scale * weights` (weight units):
        the float model the arrays represent, e.g. to program for inference."""
        return _map_analog(model, lambda i, layer: eqx.tree_at(
            lambda m: m.weight, layer, state.scales[i] * self.optimizer.weights(state.layers[i])))

    def taps(self, model, state: ModelState, loss_fn: Callable, batch, *, key):
        """The loss and, per analog layer, the inputs `x` and errors `d = dL/dy` of every sample, and the gradient
        of the loss with respect to the digital leaves, from one forward and one backward pass.

        **Arguments:**

        - `model`, `state`: as for `step`.
        - `loss_fn`: `loss_fn(model, example, key) -> scalar`, the loss of ONE example (the step's loss is the
          mean over the batch). Each analog layer must be called once on the example (a `vmap` over a batch of one
          inside, as `analogsim.nn.sequence_loss(model, tokens[None], key)` does, is fine).
        - `batch`: a pytree of arrays with a common leading (example) axis.
        - `key`: the read noise of the forward and backward passes (one key per example).

        **Returns:**

        `(loss, taps, grads)`: `taps[i] = (x, d)` with `x` `(samples, in)` and `d` `(samples, out)` for the `i`-th
        analog layer (samples = examples times the positions of each call), `grads` the gradient of the digital
        leaves (a filtered model).
        """
        spec = self._spec(model)
        params, static = eqx.partition(model, spec)
        n = jax.tree.leaves(batch)[0].shape[0]
        keys = jr.split(key, n)
        shapes = _probe_shapes(lambda: loss_fn(self.read_model(model, state),
                                               jax.tree.map(lambda a: a[0], batch), keys[0]), len(state.layers))
        probes = tuple((jnp.zeros((n,) + y), jnp.zeros((n,) + x)) for x, y in shapes)

        def total(params, probes):
            def one(pr, example, k):
                return loss_fn(self.read_model(eqx.combine(params, static), state, pr), example, k)

            return jnp.mean(jax.vmap(one)(probes, batch, keys))

        loss, (grads, g_probes) = jax.value_and_grad(total, argnums=(0, 1))(params, probes)
        taps = tuple((gx.reshape(-1, gx.shape[-1]), gy.reshape(-1, gy.shape[-1])) for gy, gx in g_probes)
        return loss, taps, grads

    def step(self, model, state: ModelState, loss_fn: Callable, batch, *, key):
        """One training step on `batch` (see `taps` for `loss_fn` and `batch`). Returns `(model, state, loss)`:
        the model with its digital leaves updated by optax and its analog weights set to what the arrays hold
        (`effective_model`), the new state, and the batch's mean loss before the step."""
        k_read, k_update = jr.split(key)
        loss, taps, grads = self.taps(model, state, loss_fn, batch, key=k_read)
        spec = self._spec(model)
        params, static = eqx.partition(model, spec)
        updates, digital = self.digital.update(grads, state.digital, params)
        model = eqx.combine(optax.apply_updates(params, updates), static)
        k_layers = jr.split(k_update, len(state.layers))
        layers = tuple(self.optimizer.update(s, x, d / scale, key=k)
                       for s, (x, d), scale, k in zip(state.layers, taps, state.scales, k_layers, strict=True))
        state = ModelState(layers, state.scales, digital, state.step + 1)
        return self.effective_model(model, state), state, loss


def _probe_shapes(run: Callable[[], Any], n_layers: int) -> list[tuple[tuple, tuple]]:
    """`(x_shape, y_shape)` of each analog layer's call in `run()` (traced abstractly, shapes recorded by the
    `InsituLinear` layers)."""
    record: list = []
    token = _RECORD.set(record)
    try:
        jax.eval_shape(run)
    finally:
        _RECORD.reset(token)
    shapes: dict[int, tuple] = {}
    for index, x_shape, y_shape in record:
        if index in shapes:
            raise ValueError(f"analog layer {index} is called more than once per example: the in-situ update "
                             "needs one input and one error per position (share no analog layer between calls)")
        shapes[index] = (x_shape, y_shape)
    missing = [i for i in range(n_layers) if i not in shapes]
    if missing:
        raise ValueError(f"analog layers {missing} are not called by loss_fn: every AnalogLinear of the model must "
                         "take part in the loss to be trained in situ")
    return [shapes[i] for i in range(n_layers)]


def pulse_stats(state: ModelState) -> dict:
    """Pulses over every analog layer of a `ModelState` (or a sequence of `InsituState`s).

    **Returns:**

    A dict of scalars: `pulses_total` (every pulse on every array), `weights` (the number of network weights),
    `pulses_per_weight` (their ratio: counts the pulses of every array of a weight, e.g. Tiki-Taka's `A` and
    `C`) and `max_pulses_per_cell` (the most-pulsed cell of any array: the endurance budget).
    """
    layers = state.layers if isinstance(state, ModelState) else tuple(state)
    if not layers or not all(isinstance(s, InsituState) for s in layers):
        raise ValueError("pulse_stats takes a ModelState or a non-empty sequence of InsituState")
    total = sum(s.counts.pulses_total for s in layers)
    weights = sum(int(s.counts.pulses[0].size) for s in layers)
    return {"pulses_total": total, "weights": weights, "pulses_per_weight": total / weights,
            "max_pulses_per_cell": jnp.max(jnp.stack([s.counts.max_pulses_per_cell for s in layers]))}
