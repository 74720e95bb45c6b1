"""The tiny transformer trained in situ: every linear layer (attention projections, MLP, head) on pulsed analog
arrays (`analogsim.insitu.InsituTrainer`), against the same model trained digitally; shared by
`examples/insitu_transformer.py` and the report's section.

The model, corpus and windows are those of `tiny_transformer` (`transformer_sizes`, the standard library's
source). Every run starts from the same initial weights and takes the same steps (epochs, batch `BATCH_SIZE`, the
same shuffles). The digital run is the transformer workload's recipe (AdamW, warm-up and cosine decay). The in-situ
run pulses every `AnalogLinear` weight with the chosen optimizer (mixed precision with Adam in the digital unit
by default) and trains the
embeddings, positions, LayerNorms and biases digitally with the same AdamW schedule in the same step; attention's
`Q K^T` and `A V` stay digital. Its validation perplexity is read through the arrays (7-bit DAC, output noise,
9-bit ADC: `analogsim.insitu.AnalogIO()`), one noise draw per sequence. The float twin (`train_float_twin`) runs
the in-situ recipe without the hardware: the in-situ optimizer's rule on the linear weights, AdamW on the rest.
"""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax

from analogsim import CrossbarConfig, cost, devices, insitu
from analogsim.nn import TinyTransformer, analogize, sequence_loss, trainable

from .common import BATCH_SIZE, Progress, fit, say
from .corpus import TRAIN_FILES, VAL_FILES, VOCAB, load_stdlib_corpus, windows
from .insitu import DEVICES as DIGITS_DEVICES, PULSE_TABLES, soft_bounds
from .transformer import LR_PEAK, schedule, train_digital, transformer_sizes

DEVICES = {
    "ecram": devices.ecram_tang2018,
    "capacitor": devices.capacitor_li2018,
    "soft_bounds": soft_bounds,
    "constant_step": DIGITS_DEVICES["constant_step"],
}
"""Training devices by name (the near-linear ECRAM and capacitor presets, the asymmetric SoftBounds and the
symmetric near-ideal ConstantStep of the digits comparison)."""
RULES = {
    "mixed_precision_momentum": lambda lr, steps: optax.sgd(lr, momentum=0.9),
    "mixed_precision_adam": lambda lr, steps: optax.adam(schedule(steps, lr)),
}
"""The digital rule of the mixed-precision optimizers that run an optax transformation on the accumulated gradient
(`MixedPrecision.digital`), by name: `make(lr, steps)`. Adam takes the digital recipe's schedule (warm-up and cosine
decay over `steps`) peaking at `lr`, in the array's weight units per step. Every other optimizer's rule is
`optax.sgd(lr)` (what `train_float_twin` mirrors)."""
OPTIMIZERS = {
    "mixed_precision": lambda dev, lr, steps: insitu.MixedPrecision(dev, lr=lr),
    "mixed_precision_expected": lambda dev, lr, steps: insitu.MixedPrecision(dev, lr=lr, decrement="expected"),
    "mixed_precision_momentum": lambda dev, lr, steps: insitu.MixedPrecision(
        dev, lr=lr, digital=RULES["mixed_precision_momentum"](lr, steps)),
    "mixed_precision_adam": lambda dev, lr, steps: insitu.MixedPrecision(
        dev, lr=lr, digital=RULES["mixed_precision_adam"](lr, steps)),
    "tiki_taka_v2": lambda dev, lr, steps: insitu.TikiTakaV2(dev, lr=lr, transfer_lr=0.1,
                                                             pulse=insitu.PulseUpdate(mode="moments")),
    "analog_sgd": lambda dev, lr, steps: insitu.AnalogSGD(dev, lr=lr, pulse=insitu.PulseUpdate(mode="moments")),
}
"""In-situ optimizers by name: `make(device, lr, steps)`; `lr` is the SGD learning rate of the weights (see
`InsituTrainer`), or the peak learning rate of the digital rule in `RULES`."""
DEFAULT = dict(device="ecram", optimizer="mixed_precision_adam", lrs=(0.02,))
"""The in-situ run of the example and the report: ECRAM, mixed precision with Adam in the digital unit at peak lr
0.02 (array weight units). The best of a grid at full size (3 epochs x 100 steps, 3,200 windows, seed 0; digital
10.31): ECRAM Adam lr 0.003 / 0.01 / 0.02 / 0.04: 12.22 / 11.14 / 10.89 / 11.40 (1.06x digital at 0.02, 288 pulses
per weight); ConstantStep Adam 0.01: 11.22; capacitor Adam 0.01: 11.88; plain mixed precision (SGD lr 0.3) on
ECRAM with the expected decrement 15.91, on ConstantStep 15.39; ECRAM with momentum 0.9, lr 0.03: 16.02."""

LR_DIGITAL = LR_PEAK
"""Peak AdamW learning rate of the digital leaves (the transformer workload's recipe)."""


def per_example_loss(model, tokens, key):
    """Next-token cross-entropy of one window `(seq + 1,)` (what `InsituTrainer` averages over a batch)."""
    return sequence_loss(model, tokens[None], key)


def val_loss(model, val_w, key):
    """Mean validation loss, one read-noise key per window."""
    keys = jr.split(key, val_w.shape[0])
    return jnp.mean(jax.vmap(lambda t, k: per_example_loss(model, t, k))(val_w, keys))


@eqx.filter_jit
def _epoch(trainer, model, state, train_w, k_perm, k_steps):
    """One pass over the windows shuffled by `k_perm` (as `analogsim.nn.train` shuffles them) in mini-batches of
    `BATCH_SIZE` (one `lax.scan`)."""
    nb = train_w.shape[0] // BATCH_SIZE
    batches = train_w[jr.permutation(k_perm, train_w.shape[0])[: nb * BATCH_SIZE]].reshape(nb, BATCH_SIZE, -1)
    params, static = eqx.partition(model, eqx.is_array)

    def one(carry, xs):
        params, state = carry
        batch, k = xs
        model, state, loss = trainer.step(eqx.combine(params, static), state, per_example_loss, batch, key=k)
        return (eqx.filter(model, eqx.is_array), state), loss

    (params, state), losses = jax.lax.scan(one, (params, state), (batches, jr.split(k_steps, nb)))
    return eqx.combine(params, static), state, jnp.mean(losses)


def train_insitu(train_w, val_w, sz: dict, *, device: str, optimizer: str, lr: float, epochs: int, key,
                 progress: Progress = None):
    """Train the tiny transformer with every linear layer in situ.

    **Arguments:**

    - `train_w`, `val_w`: training and validation windows `(n, seq + 1)`.
    - `sz`: the model's sizes (`transformer_sizes`).
    - `device`, `optimizer`: names in `DEVICES` and `OPTIMIZERS`.
    - `lr`: the in-situ optimizer's learning rate (SGD learning rate of the weights).
    - `epochs`: passes over `train_w`.
    - `key`: the same initial model as the digital run (`fold_in(key, 0)`), then the arrays, shuffles and noise.
    - `progress`: gets one line per epoch.

    **Returns:**

    `(trainer, model, state, history)` with `history` the validation loss after each epoch (read through the
    arrays).
    """
    _check_names(device, optimizer)
    digital = TinyTransformer(VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], sz["seq"],
                              key=jr.fold_in(key, 0))
    model = analogize(digital, CrossbarConfig.ideal(), attention="projections")
    steps = epochs * (train_w.shape[0] // BATCH_SIZE)
    trainer = insitu.InsituTrainer(OPTIMIZERS[optimizer](DEVICES[device](), lr, steps),
                                   optax.adamw(schedule(steps, LR_DIGITAL), weight_decay=0.01))
    state = trainer.init(model, key=jr.fold_in(key, 20))
    evaluate = eqx.filter_jit(lambda m, s, k: val_loss(trainer.read_model(m, s), val_w, k))
    history = []
    for epoch in range(epochs):
        # the digital runs' shuffles: `analogsim.nn.train` with key `fold_in(key, 1)`
        model, state, loss = _epoch(trainer, model, state, train_w, jr.fold_in(jr.fold_in(key, 1), epoch),
                                    jr.fold_in(key, 100 + epoch))
        history.append(float(evaluate(model, state, jr.fold_in(key, 200 + epoch))))
        say(progress, f"in-situ transformer: {device} {optimizer} lr {lr:g}, epoch {epoch + 1}/{epochs}: train "
                      f"loss {float(loss):.3f}, validation perplexity {math.exp(history[-1]):.3f}")
    return trainer, model, state, history


def train_float_twin(train_w, sz: dict, *, optimizer: str, lr: float, scales, epochs: int, key,
                     progress: Progress = None):
    """The in-situ run's recipe in float32 on the digital model: the in-situ optimizer's rule (`RULES`, else
    `optax.sgd(lr)`) on every linear weight, without the device, the pulses and the reads, AdamW with the digital
    schedule on the rest; the same initial model, batches and steps. A rule that is not plain SGD sees the layer's
    gradient in the array's units and its update is scaled back, as on the array: `scale(1 / s)`, the rule,
    `scale(s)`, with `s` the layer's digital gain (`scales`: `ModelState.scales`, in the order of the model's linear
    layers). Returns the trained model."""
    say(progress, f"in-situ transformer: the float twin ({optimizer}'s rule at lr {lr:g} on the linear weights)")
    model = TinyTransformer(VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], sz["seq"], key=jr.fold_in(key, 0))
    is_linear = lambda x: isinstance(x, eqx.nn.Linear)  # noqa: E731
    params = eqx.filter(model, trainable(model))
    labels = jax.tree.map(lambda _: "digital", params)
    linears = lambda m: [x.weight for x in jax.tree.leaves(m, is_leaf=is_linear) if is_linear(x)]  # noqa: E731
    steps = epochs * (train_w.shape[0] // BATCH_SIZE)
    transforms = {"digital": optax.adamw(schedule(steps, LR_DIGITAL), weight_decay=0.01)}
    if optimizer in RULES:
        if len(scales) != len(linears(labels)):
            raise ValueError(f"train_float_twin needs one scale per linear layer ({len(linears(labels))}), "
                             f"got {len(scales)}")
        names = [f"linear{i}" for i in range(len(scales))]
        transforms |= {n: optax.chain(optax.scale(1 / float(s)), RULES[optimizer](lr, steps), optax.scale(float(s)))
                       for n, s in zip(names, scales, strict=True)}
    else:
        names = ["linear"] * len(linears(labels))
        transforms["linear"] = optax.sgd(lr)
    labels = eqx.tree_at(linears, labels, names)
    opt = optax.multi_transform(transforms, lambda _: labels)
    return fit(model, lambda m, b, k: sequence_loss(m, b[0], k), (train_w,), opt, epochs=epochs,
               key=jr.fold_in(key, 1), checkpoint_dir=None, name="insitu_transformer_twin")


def _check_names(device: str, optimizer: str) -> None:
    if device not in DEVICES or optimizer not in OPTIMIZERS:
        raise ValueError(f"device must be one of {list(DEVICES)} and optimizer one of {list(OPTIMIZERS)}, "
                         f"got {device!r} and {optimizer!r}")


def price(state, device: str) -> dict:
    """Pulses and the run's energy and time (`analogsim.cost.price_insitu` per layer, summed), as
    `workloads.insitu.summarize` prices the digits runs."""
    priced = [cost.price_insitu(s.counts, PULSE_TABLES[device](), cost.pcm_hermes()) for s in state.layers]
    stats = insitu.pulse_stats(state)
    return {"pulses_per_weight": float(stats["pulses_per_weight"]),
            "max_pulses_per_cell": int(stats["max_pulses_per_cell"]),
            "energy_j": sum(p["total_j"] for p in priced), "time_s": sum(p["time_s"] for p in priced),
            "pulse_table": PULSE_TABLES[device].__name__}


def corpus(quick: bool, max_train_windows: int | None = None, sizes: dict | None = None):
    """The sizes and the training and validation windows of the transformer workload (`max_train_windows` cuts the
    training set, `sizes` replaces `transformer_sizes(quick)`: for tests and the report's time budget)."""
    sz = sizes or transformer_sizes(quick)
    train_tok = load_stdlib_corpus(TRAIN_FILES, max_bytes=60_000 if quick else None)
    val_tok = load_stdlib_corpus(VAL_FILES, max_bytes=4_000 if quick else 24_000)
    train_w = windows(train_tok, sz["seq"])[:max_train_windows]
    return sz, train_w, windows(val_tok, sz["seq"])


def insitu_transformer(*, quick: bool = False, seed: int = 0, device: str = DEFAULT["device"],
                       optimizer: str = DEFAULT["optimizer"], lrs: tuple[float, ...] = DEFAULT["lrs"],
                       epochs: int | None = None,
                       max_train_windows: int | None = None, sizes: dict | None = None,
                       progress: Progress = None) -> dict:
    """Validation perplexity of the tiny transformer trained digitally and in situ, with the in-situ run's pulses,
    energy and time.

    **Arguments:**

    - `quick`: the quick model and corpus (`transformer_sizes(True)`), 2 epochs.
    - `seed`: the PRNG seed (the same initial model for both runs).
    - `device`, `optimizer`: the in-situ run's device and optimizer (`DEVICES`, `OPTIMIZERS`; default `DEFAULT`).
    - `lrs`: the in-situ learning rates to try; the best validation perplexity is kept, all are listed.
    - `epochs`: epochs of both runs (default 2 quick, 12 full: the transformer workload's digital recipe).
    - `max_train_windows`: use only this many training windows (at least `51 * BATCH_SIZE`: the digital recipe
      warms up for 50 steps).
    - `sizes`: the model's `d_model`, `num_heads`, `num_layers`, `seq` instead of `transformer_sizes(quick)`.
    - `progress`: gets one-line progress messages.

    **Returns:**

    A JSON-ready dict: `digital_ppl`, `insitu_ppl` (read through the arrays), `insitu_ppl_weights` (the arrays'
    weights evaluated in float, no read noise), `ratio` (`insitu_ppl / digital_ppl`), `pulses_per_weight`,
    `twin_ppl` (`train_float_twin` at the chosen `lr`), `ratio_twin` (`insitu_ppl / twin_ppl`: what the hardware
    costs, the optimizer aside), `pulses_per_weight`, `max_pulses_per_cell`, `energy_j`, `time_s`, `device`, `optimizer`, `lr`, `lrs` (`{lr: insitu_ppl}`),
    `lr_digital`, `digital_optimizer`, `epochs`, `steps`, `sizes`, `seconds`.
    """
    _check_names(device, optimizer)
    t0 = time.perf_counter()
    epochs = epochs or (2 if quick else 12)
    key = jr.key(seed)
    sz, train_w, val_w = corpus(quick, max_train_windows, sizes)
    digital = train_digital(train_w, sz, epochs, key, None, progress)
    digital_ppl = math.exp(float(eqx.filter_jit(sequence_loss)(digital, val_w)))
    say(progress, f"in-situ transformer: digital validation perplexity {digital_ppl:.3f}")
    runs = {}
    for lr in lrs:
        trainer, model, state, history = train_insitu(train_w, val_w, sz, device=device, optimizer=optimizer,
                                                      lr=lr, epochs=epochs, key=key, progress=progress)
        runs[lr] = (math.exp(history[-1]), trainer, model, state)
    lr = min(runs, key=lambda v: runs[v][0])
    insitu_ppl, trainer, model, state = runs[lr]
    weights_ppl = math.exp(float(eqx.filter_jit(sequence_loss)(trainer.effective_model(model, state), val_w)))
    twin = train_float_twin(train_w, sz, optimizer=optimizer, lr=lr, scales=state.scales, epochs=epochs, key=key,
                            progress=progress)
    twin_ppl = math.exp(float(eqx.filter_jit(sequence_loss)(twin, val_w)))
    return {"digital_ppl": digital_ppl, "insitu_ppl": insitu_ppl, "insitu_ppl_weights": weights_ppl,
            "ratio": insitu_ppl / digital_ppl, "twin_ppl": twin_ppl, "ratio_twin": insitu_ppl / twin_ppl,
            **price(state, device), "device": device, "optimizer": optimizer,
            "lr": lr, "lrs": {str(v): r[0] for v, r in runs.items()}, "lr_digital": LR_DIGITAL,
            "digital_optimizer": "AdamW, warm-up 50 steps and cosine decay (the transformer workload's recipe)",
            "epochs": epochs, "steps": epochs * (train_w.shape[0] // BATCH_SIZE), "sizes": sz,
            "seconds": round(time.perf_counter() - t0, 1)}
