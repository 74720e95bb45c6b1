"""The two reference workloads (digits MLP, tiny character transformer) and the transformer speed row.

Used by ``examples/digits_mlp.py``, ``examples/tiny_transformer.py``, the report and the benchmark, so that all of
them measure the same thing.
"""

from __future__ import annotations

import math
import os
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from analogsim import ADC, DAC, CrossbarConfig
from analogsim.devices import PCM
from analogsim.nn import (
    TIMES,
    AnalogAttention,
    AttentionConfig,
    HWANoise,
    TinyTransformer,
    age_model,
    analogize,
    apply_linear,
    evaluate_drift,
    program_model,
    quantize_int8,
    sequence_loss,
    train,
)

Progress = Callable[[str], None] | None


def _say(progress: Progress, msg: str) -> None:
    if progress is not None:
        progress(msg)


def pcm_config(drift_compensation: bool = True) -> CrossbarConfig:
    """The analog hardware of both workloads: PCM (aihwkit's statistical model), 8-bit DAC and ADC (ADC bound 12,
    aihwkit's default), 512 x 512 tiles, per-column weight scaling."""
    return CrossbarConfig(
        device=PCM(), dac=DAC(bits=8), adc=ADC(bits=8), tile=(512, 512), drift_compensation=drift_compensation
    )


# ------------------------------------------------------------------------------------------------------------------
# digits MLP


class MLP(eqx.Module):
    """ReLU MLP over (..., in) inputs; its layers may be digital, analog or int8."""

    layers: tuple

    def __init__(self, sizes: tuple[int, ...], *, key):
        self.layers = tuple(
            eqx.nn.Linear(a, b, key=k)
            for a, b, k in zip(sizes[:-1], sizes[1:], jr.split(key, len(sizes) - 1), strict=True)
        )

    def __call__(self, x, *, key=None):
        keys = [None] * len(self.layers) if key is None else list(jr.split(key, len(self.layers)))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            x = apply_linear(layer, x, key=k)
            if i < len(self.layers) - 1:
                x = jax.nn.relu(x)
        return x


def load_digits_split():
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1], 80/20 split with ``random_state=0``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(x, d.target.astype(np.int32), test_size=0.2, random_state=0)
    return jnp.asarray(xtr), jnp.asarray(ytr), jnp.asarray(xte), jnp.asarray(yte)


def _ce_loss(model, batch, key):
    x, y = batch
    logits = model(x, key=key)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=-1))


def digits_mlp(
    *,
    quick: bool = False,
    seed: int = 0,
    n_programmings: int | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    progress: Progress = None,
) -> dict:
    """Digital float32 / int8 and analog PCM (without and with hardware-aware training) accuracy of a
    64-256-256-10 MLP on the digits test split, at 1 s ... 1 year after programming.

    Returns ``{"figures": <the JSON of examples/digits_mlp.py>, "details": {...}}``; ``details`` adds the runs
    without drift compensation, the training settings and timings.
    """
    t0 = time.perf_counter()
    n_prog = n_programmings or (5 if quick else 10)
    epochs_digital, epochs_hwa = (30, 10) if quick else (80, 40)
    key = jr.key(seed)
    xtr, ytr, xte, yte = load_digits_split()
    ck = (
        (lambda name: None)
        if checkpoint_dir is None
        else (lambda name: Path(checkpoint_dir) / f"{name}.ckpt")
    )

    def acc(model, k=None):
        return 100.0 * jnp.mean(jnp.argmax(model(xte, key=k), axis=-1) == yte)

    _say(progress, f"digits: training the digital MLP ({epochs_digital} epochs)")
    digital = MLP((64, 256, 256, 10), key=jr.fold_in(key, 0))
    digital = train(
        digital,
        _ce_loss,
        (xtr, ytr),
        optax.adam(1e-3),
        epochs=epochs_digital,
        batch_size=32,
        key=jr.fold_in(key, 1),
        checkpoint=ck("digits_digital"),
    ).model
    acc_fp = float(acc(digital))
    acc_int8 = float(acc(quantize_int8(digital)))

    cfg = pcm_config(True)
    hwa = HWANoise(weight_noise_std=0.04, kind="additive")
    _say(progress, f"digits: hardware-aware training ({epochs_hwa} epochs, from the digital weights)")
    hwa_model = analogize(digital, cfg, hwa=hwa)
    hwa_model = train(
        hwa_model,
        _ce_loss,
        (xtr, ytr),
        optax.adam(5e-4),
        epochs=epochs_hwa,
        batch_size=32,
        key=jr.fold_in(key, 2),
        checkpoint=ck("digits_hwa"),
    ).model
    plain = analogize(digital, cfg)
    metric = lambda m, k: acc(m, k)
    results = {}
    # Quick mode skips the runs without compensation (each evaluation compiles for ~10 s on 2 cores).
    comps = (True,) if quick else (True, False)
    for i, (name, model) in enumerate((("no_hwa", plain), ("hwa", hwa_model))):
        for comp in comps:
            _say(progress, f"digits: drift evaluation, {name}, compensation {comp} ({n_prog} programmings)")
            r = evaluate_drift(
                model, metric, key=jr.fold_in(key, 10 + i), n_programmings=n_prog, drift_compensation=comp
            )
            results[(name, comp)] = r
    figures = {
        "digital_float32": acc_fp,
        "digital_int8": acc_int8,
        "analog_no_hwa": results[("no_hwa", True)].mean(),
        "analog_hwa": results[("hwa", True)].mean(),
        "analog_hwa_std": results[("hwa", True)].std(),
        "programmings": n_prog,
    }
    details = {
        "analog_no_hwa_no_compensation": None if quick else results[("no_hwa", False)].mean(),
        "analog_hwa_no_compensation": None if quick else results[("hwa", False)].mean(),
        "analog_no_hwa_std": results[("no_hwa", True)].std(),
        "gap_hwa_vs_float32": {t: acc_fp - a for t, a in figures["analog_hwa"].items()},
        "epochs_digital": epochs_digital,
        "epochs_hwa": epochs_hwa,
        "hwa": {"weight_noise_std": 0.04, "kind": "additive", "clip_sigma": None, "lr": 5e-4},
        "hardware": "PCM (aihwkit PCMLikeNoiseModel), 8-bit DAC/ADC, 512x512 tiles, global drift compensation",
        "test_examples": int(yte.shape[0]),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return {"figures": figures, "details": details}


# ------------------------------------------------------------------------------------------------------------------
# tiny transformer on the standard library's source

TRAIN_FILES = (
    "argparse.py",
    "calendar.py",
    "contextlib.py",
    "difflib.py",
    "fractions.py",
    "functools.py",
    "heapq.py",
    "random.py",
    "shlex.py",
    "statistics.py",
    "string.py",
    "textwrap.py",
)
"""Training corpus: these modules of the running Python's standard library (fixed list)."""
VAL_FILES = ("queue.py", "sched.py", "glob.py", "fnmatch.py", "bisect.py", "colorsys.py")
"""Held-out validation corpus (other files than the training ones)."""
VOCAB = 128  # bytes >= 128 (non-ASCII) are mapped to 0


def load_stdlib_corpus(files: tuple[str, ...], *, max_bytes: int | None = None) -> np.ndarray:
    """The concatenated bytes of the given standard-library files as int32 tokens in [0, 128)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    chunks = []
    for f in files:
        p = root / f
        if not p.is_file():
            raise ValueError(f"standard-library file {p} not found; the corpus needs {files}")
        chunks.append(p.read_bytes())
    data = np.frombuffer(b"\n".join(chunks), dtype=np.uint8).astype(np.int32)
    data = np.where(data < VOCAB, data, 0)
    return data if max_bytes is None else data[:max_bytes]


def _windows(tokens: np.ndarray, seq: int) -> jnp.ndarray:
    n = (len(tokens) - 1) // seq
    idx = np.arange(n)[:, None] * seq + np.arange(seq + 1)[None, :]
    return jnp.asarray(tokens[idx])


def transformer_sizes(quick: bool) -> dict:
    if quick:
        return dict(d_model=32, num_heads=2, num_layers=1, seq=32)
    return dict(d_model=64, num_heads=4, num_layers=2, seq=64)


def _with_attention(model, attention_config: AttentionConfig):
    """``model`` (analogized with analog projections only) with ``attention_config`` set in every attention layer."""

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
    hardware-aware trained), at 1 h and 1 day after programming. Returns ``{"figures": ..., "details": ...}``."""
    t0 = time.perf_counter()
    sz = transformer_sizes(quick)
    seq = sz["seq"]
    n_prog = n_programmings or (2 if quick else 5)
    epochs_digital, epochs_proj, epochs_full = (2, 1, 1) if quick else (12, 6, 10)
    key = jr.key(seed)
    train_tok = load_stdlib_corpus(TRAIN_FILES, max_bytes=60_000 if quick else None)
    val_tok = load_stdlib_corpus(VAL_FILES, max_bytes=4_000 if quick else 24_000)
    train_w = _windows(train_tok, seq)
    val_w = _windows(val_tok, seq)
    ck = (
        (lambda name: None)
        if checkpoint_dir is None
        else (lambda name: Path(checkpoint_dir) / f"{name}.ckpt")
    )
    loss_fn = lambda m, batch, k: sequence_loss(m, batch[0], k)

    def val_loss(model, k=None):
        return sequence_loss(model, val_w, k)

    _say(
        progress,
        f"transformer: training the digital model ({epochs_digital} epochs, {train_w.shape[0]} windows)",
    )
    digital = TinyTransformer(
        VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], seq, key=jr.fold_in(key, 0)
    )
    sched = optax.warmup_cosine_decay_schedule(
        0.0, 3e-3, 50, epochs_digital * (train_w.shape[0] // 32), end_value=3e-4
    )
    digital = train(
        digital,
        loss_fn,
        (train_w,),
        optax.adamw(sched, weight_decay=0.01),
        epochs=epochs_digital,
        batch_size=32,
        key=jr.fold_in(key, 1),
        checkpoint=ck("transformer_digital"),
    ).model
    digital_loss = float(eqx.filter_jit(val_loss)(digital))

    cfg = pcm_config(True)
    hwa = HWANoise(weight_noise_std=0.10, kind="pcm")
    figures = {"digital_ppl": math.exp(digital_loss)}
    details = {}
    times = {"1h": TIMES["1h"], "1d": TIMES["1d"]}
    proj_model = None
    for i, (name, att) in enumerate((("analog_proj", "projections"), ("analog_full", AttentionConfig()))):
        epochs = epochs_proj if proj_model is None else epochs_full
        _say(progress, f"transformer: hardware-aware training, {name} ({epochs} epochs)")
        if proj_model is None:
            model = analogize(digital, cfg, attention=att, hwa=hwa)
        else:
            # Curriculum: the fully analog model starts from the projections-only model, already adapted to the
            # PCM arrays, and hardware-aware training then adapts it to the gain-cell attention. Measured (1-day
            # perplexity / digital, 5 programmings): 1.101 after 6 epochs, 1.090 after 10; started from the digital
            # weights instead, 1.132 after 6 epochs (7-level differential K/V cells then; 1.110 from the projections
            # model with those cells).
            model = _with_attention(proj_model, att)
        model = train(
            model,
            loss_fn,
            (train_w,),
            optax.adam(3e-4),
            epochs=epochs,
            batch_size=32,
            key=jr.fold_in(key, 2 + i),
            checkpoint=ck(f"transformer_{name}"),
        ).model
        if proj_model is None:
            proj_model = model
        _say(progress, f"transformer: drift evaluation, {name} ({n_prog} programmings)")
        r = evaluate_drift(
            model,
            lambda m, k: val_loss(m, k),
            key=jr.fold_in(key, 10 + i),
            n_programmings=n_prog,
            times=times,
        )
        losses = np.asarray(r.values)
        figures[f"{name}_ppl"] = {t: float(np.exp(losses[:, j]).mean()) for j, t in enumerate(r.times)}
        details[f"{name}_ppl_std"] = {t: float(np.exp(losses[:, j]).std()) for j, t in enumerate(r.times)}
    details.update(
        {
            "ratio_full_vs_digital_1d": figures["analog_full_ppl"]["1d"] / figures["digital_ppl"],
            "sizes": sz,
            "epochs_digital": epochs_digital,
            "epochs_hwa": {"analog_proj": epochs_proj, "analog_full": epochs_full},
            "analog_full_starts_from": "analog_proj",
            "hwa": {"weight_noise_std": 0.10, "kind": "pcm", "clip_sigma": None, "lr": 3e-4},
            "programmings": n_prog,
            "train_bytes": int(train_tok.size),
            "val_bytes": int(val_tok.size),
            "train_files": list(TRAIN_FILES),
            "val_files": list(VAL_FILES),
            "seconds": round(time.perf_counter() - t0, 1),
        }
    )
    return {"figures": figures, "details": details}


# ------------------------------------------------------------------------------------------------------------------
# speed


def transformer_speed_row(*, repeats: int = 15, batch: int = 16, quick: bool = False) -> dict:
    """Forward time of the fully analog tiny transformer (PCM projections at t = 1 h, gain-cell attention) vs its
    digital twin, both jitted, on a batch of sequences, interleaved in the same run; medians and their ratio."""
    sz = transformer_sizes(quick)
    seq = sz["seq"]
    digital = TinyTransformer(VOCAB, sz["d_model"], sz["num_heads"], sz["num_layers"], seq, key=jr.key(0))
    analog = analogize(digital, pcm_config(True), attention=AttentionConfig())
    analog = age_model(program_model(analog, key=jr.key(1)), 3600.0, key=jr.key(2))
    tokens = jr.randint(jr.key(3), (batch, seq), 0, VOCAB)
    f_dig = eqx.filter_jit(lambda m, t: jax.vmap(m)(t))
    f_ana = eqx.filter_jit(lambda m, t, k: jax.vmap(lambda s: m(s, key=k))(t))
    fns = {"digital": lambda: f_dig(digital, tokens), "analog": lambda: f_ana(analog, tokens, jr.key(4))}
    for f in fns.values():
        jax.block_until_ready(f())
        jax.block_until_ready(f())
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t = time.perf_counter()
            jax.block_until_ready(f())
            times[k].append(time.perf_counter() - t)
    d, a = float(np.median(times["digital"])), float(np.median(times["analog"]))
    return {
        "model": {**sz, "vocab": VOCAB, "batch": batch},
        "digital_s": d,
        "analog_s": a,
        "ratio": a / d,
    }
