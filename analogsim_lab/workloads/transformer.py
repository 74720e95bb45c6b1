"""The tiny transformer workload: a character-level language model on the standard library's source, digital,
with analog projections and fully analog (gain-cell attention); and its forward-time benchmark row."""

from __future__ import annotations

import math
import os
import time

import equinox as eqx
import jax
import jax.random as jr
import numpy as np
import optax

from analogsim import timing
from analogsim.nn import (
    TIMES,
    AnalogAttention,
    AttentionConfig,
    HWANoise,
    TinyTransformer,
    age_model,
    analogize,
    evaluate_drift,
    program_model,
    sequence_loss,
)

from ..presets import pcm_8bit
from .common import BATCH_SIZE, Progress, fit, say
from .corpus import TRAIN_FILES, VAL_FILES, VOCAB, load_stdlib_corpus, windows

HWA_NOISE_STD = 0.10
"""Hardware-aware training noise (PCM-shaped: the programming-noise profile of `analogsim.devices.PCM`)."""
HWA_LR = 3e-4
"""Adam learning rate of the hardware-aware fine-tuning."""


def transformer_sizes(quick: bool) -> dict:
    """`d_model`, `num_heads`, `num_layers` and context length `seq` of the model (smaller in quick mode)."""
    if quick:
        return dict(d_model=32, num_heads=2, num_layers=1, seq=32)
    return dict(d_model=64, num_heads=4, num_layers=2, seq=64)


def _with_attention(model, attention_config: AttentionConfig):
    """`model` (analogized with analog projections only) with `attention_config` set in every attention layer."""

    is_att = lambda x: isinstance(x, AnalogAttention)  # noqa: E731
    layers = [x for x in jax.tree.leaves(model, is_leaf=is_att) if is_att(x)]
    if not layers:
        raise ValueError("the model has no AnalogAttention layer")
    return eqx.tree_at(
        lambda m: [x.attention_config for x in jax.tree.leaves(m, is_leaf=is_att) if is_att(x)],
        model,
        [attention_config] * len(layers),
        is_leaf=lambda x: x is None,
    )


def _loss(model, batch, key):
    return sequence_loss(model, batch[0], key)


LR_PEAK = 3e-3
"""Peak AdamW learning rate of the digital recipe."""


def schedule(steps: int, peak: float = LR_PEAK):
    """The digital recipe's learning-rate schedule over `steps` steps: 50 warm-up steps to `peak`, then cosine
    decay to `peak / 10`."""
    return optax.warmup_cosine_decay_schedule(0.0, peak, 50, steps, end_value=peak / 10)


def train_digital(train_w, sz: dict, epochs: int, key, checkpoint_dir, progress: Progress):
    """The digital model of sizes `sz` trained on the windows `train_w` with the recipe (AdamW, weight decay 0.01,
    `schedule`), checkpointed in `checkpoint_dir` (None: not)."""
    say(progress, f"transformer: training the digital model ({epochs} epochs, {train_w.shape[0]} windows)")
    digital = TinyTransformer(
        VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], sz["seq"], key=jr.fold_in(key, 0)
    )
    steps = epochs * (train_w.shape[0] // BATCH_SIZE)
    optimizer = optax.adamw(schedule(steps), weight_decay=0.01)
    return fit(
        digital,
        _loss,
        (train_w,),
        optimizer,
        epochs=epochs,
        key=jr.fold_in(key, 1),
        checkpoint_dir=checkpoint_dir,
        name="transformer_digital",
    )


def _analog_runs(
    digital, train_w, val_loss, key, epochs: tuple[int, int], n_prog: int, checkpoint_dir, progress
):
    """Hardware-aware train and evaluate over time the projections-only analog model, then the fully analog one.

    The fully analog model starts from the projections-only model, already adapted to the PCM arrays, and
    hardware-aware training then adapts it to the gain-cell attention (a curriculum). Measured (1-day perplexity /
    digital, 5 programmings): 1.101 after 6 epochs, 1.090 after 10; started from the digital weights instead, 1.132
    after 6 epochs (with 7-level differential K/V cells; 1.110 from the projections model with those cells).
    """
    hwa = HWANoise(weight_noise_std=HWA_NOISE_STD, kind="pcm")
    times = {"1h": TIMES["1h"], "1d": TIMES["1d"]}
    mean, std = {}, {}
    model = analogize(digital, pcm_8bit(drift_compensation=True), attention="projections", hwa=hwa)
    for i, name in enumerate(("analog_proj", "analog_full")):
        if name == "analog_full":
            model = _with_attention(model, AttentionConfig())
        say(progress, f"transformer: hardware-aware training, {name} ({epochs[i]} epochs)")
        model = fit(
            model,
            _loss,
            (train_w,),
            optax.adam(HWA_LR),
            epochs=epochs[i],
            key=jr.fold_in(key, 2 + i),
            checkpoint_dir=checkpoint_dir,
            name=f"transformer_{name}",
        )
        say(progress, f"transformer: drift evaluation, {name} ({n_prog} programmings)")
        r = evaluate_drift(model, val_loss, key=jr.fold_in(key, 10 + i), n_programmings=n_prog, times=times)
        ppl = np.exp(np.asarray(r.values))
        mean[name] = {t: float(ppl[:, j].mean()) for j, t in enumerate(r.times)}
        std[name] = {t: float(ppl[:, j].std()) for j, t in enumerate(r.times)}
    return mean, std


def tiny_transformer(
    *,
    quick: bool = False,
    seed: int = 0,
    n_programmings: int | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    progress: Progress = None,
) -> dict:
    """Character-level LM on the standard library's source: validation perplexity of the digital model, the model
    with analog projections (hardware-aware trained) and the fully analog one (projections + gain-cell attention,
    hardware-aware trained), at 1 h and 1 day after programming.

    **Arguments:**

    - `quick`: a smaller model and corpus, fewer epochs and programmings.
    - `seed`: the PRNG seed of initialisation, training and programming.
    - `n_programmings`: independent programmings per evaluation (default 5; quick: 2).
    - `checkpoint_dir`: where training is checkpointed and resumed from (`None`: no checkpoints).
    - `progress`: gets one-line progress messages.

    **Returns:**

    `{"figures": <the JSON of examples/tiny_transformer.py>, "details": {...}}`.
    """
    t0 = time.perf_counter()
    sz = transformer_sizes(quick)
    n_prog = n_programmings or (2 if quick else 5)
    epochs_digital, epochs_proj, epochs_full = (2, 1, 1) if quick else (12, 6, 10)
    key = jr.key(seed)
    train_tok = load_stdlib_corpus(TRAIN_FILES, max_bytes=60_000 if quick else None)
    val_tok = load_stdlib_corpus(VAL_FILES, max_bytes=4_000 if quick else 24_000)
    train_w = windows(train_tok, sz["seq"])
    val_w = windows(val_tok, sz["seq"])

    def val_loss(model, k=None):
        return sequence_loss(model, val_w, k)

    digital = train_digital(train_w, sz, epochs_digital, key, checkpoint_dir, progress)
    figures = {"digital_ppl": math.exp(float(eqx.filter_jit(val_loss)(digital)))}
    mean, std = _analog_runs(
        digital, train_w, val_loss, key, (epochs_proj, epochs_full), n_prog, checkpoint_dir, progress
    )
    figures.update({f"{name}_ppl": m for name, m in mean.items()})
    details = {f"{name}_ppl_std": s for name, s in std.items()}
    details.update(
        {
            "ratio_full_vs_digital_1d": figures["analog_full_ppl"]["1d"] / figures["digital_ppl"],
            "sizes": sz,
            "epochs_digital": epochs_digital,
            "epochs_hwa": {"analog_proj": epochs_proj, "analog_full": epochs_full},
            "analog_full_starts_from": "analog_proj",
            "hwa": {"weight_noise_std": HWA_NOISE_STD, "kind": "pcm", "clip_sigma": None, "lr": HWA_LR},
            "programmings": n_prog,
            "train_bytes": int(train_tok.size),
            "val_bytes": int(val_tok.size),
            "train_files": list(TRAIN_FILES),
            "val_files": list(VAL_FILES),
            "seconds": round(time.perf_counter() - t0, 1),
        }
    )
    return {"figures": figures, "details": details}


def transformer_speed_row(*, repeats: int = 15, batch: int = 16, quick: bool = False) -> dict:
    """Forward time of the fully analog tiny transformer (PCM projections at t = 1 h, gain-cell attention) vs its
    digital twin, both jitted, on a batch of sequences, timed side by side by `analogsim.timing.median_times`.

    **Arguments:**

    - `repeats`: timed calls of each model (after two warm-up calls).
    - `batch`: sequences per forward call.
    - `quick`: the quick report's smaller model.

    **Returns:**

    `{"model": sizes, "digital_s", "analog_s" (median seconds per call), "ratio" (analog / digital)}`.
    """
    sz = transformer_sizes(quick)
    seq = sz["seq"]
    digital = TinyTransformer(VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], seq, key=jr.key(0))
    analog = analogize(digital, pcm_8bit(drift_compensation=True), attention=AttentionConfig())
    analog = age_model(program_model(analog, key=jr.key(1)), 3600.0, key=jr.key(2))
    tokens = jr.randint(jr.key(3), (batch, seq), 0, VOCAB)
    f_dig = eqx.filter_jit(lambda m, t: jax.vmap(m)(t))
    f_ana = eqx.filter_jit(lambda m, t, k: jax.vmap(lambda s: m(s, key=k))(t))
    fns = {"digital": lambda: f_dig(digital, tokens), "analog": lambda: f_ana(analog, tokens, jr.key(4))}
    t = timing.median_times(fns, repeats=repeats)
    return {
        "model": {**sz, "vocab": VOCAB, "batch": batch},
        "digital_s": t["digital"],
        "analog_s": t["analog"],
        "ratio": t["analog"] / t["digital"],
    }
