"""The digits MLP workload: a 64-256-256-10 ReLU MLP on scikit-learn's 8x8 digits, digital and on analog PCM."""

from __future__ import annotations

import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

from analogsim.nn import HWANoise, analogize, apply_linear, evaluate_drift, quantize_int8

from ..presets import pcm_8bit
from .common import Progress, fit, say

HWA_NOISE_STD = 0.04
"""Hardware-aware training noise (additive, in units of each column's max `|w|`)."""
HWA_LR = 5e-4
"""Adam learning rate of the hardware-aware fine-tuning."""


class MLP(eqx.Module):
    """ReLU MLP over (..., in) inputs; its layers may be digital (`eqx.nn.Linear`), analog or int8.

    **Arguments:**

    - `sizes`: the widths, inputs first (`(64, 256, 256, 10)`: two hidden layers).
    - `key`: the PRNG key of the initial weights.
    """

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
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1], 80/20 split with `random_state=0`.

    **Returns:**

    `(x_train, y_train, x_test, y_test)` as JAX arrays (float32 pixels, int32 labels).
    """
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


def _train_models(xtr, ytr, key, epochs: tuple[int, int], checkpoint_dir, progress: Progress):
    """The digital MLP, and its hardware-aware fine-tuned analog twin (started from the digital weights)."""
    epochs_digital, epochs_hwa = epochs
    say(progress, f"digits: training the digital MLP ({epochs_digital} epochs)")
    data = (xtr, ytr)
    digital = MLP((64, 256, 256, 10), key=jr.fold_in(key, 0))
    digital = fit(
        digital,
        _ce_loss,
        data,
        optax.adam(1e-3),
        epochs=epochs_digital,
        key=jr.fold_in(key, 1),
        checkpoint_dir=checkpoint_dir,
        name="digits_digital",
    )
    say(progress, f"digits: hardware-aware training ({epochs_hwa} epochs, from the digital weights)")
    hwa = HWANoise(weight_noise_std=HWA_NOISE_STD, kind="additive")
    hwa_model = analogize(digital, pcm_8bit(drift_compensation=True), hwa=hwa)
    hwa_model = fit(
        hwa_model,
        _ce_loss,
        data,
        optax.adam(HWA_LR),
        epochs=epochs_hwa,
        key=jr.fold_in(key, 2),
        checkpoint_dir=checkpoint_dir,
        name="digits_hwa",
    )
    return digital, hwa_model


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

    **Arguments:**

    - `quick`: fewer epochs and programmings, and no runs without drift compensation.
    - `seed`: the PRNG seed of initialisation, training and programming.
    - `n_programmings`: independent programmings per evaluation (default 10; quick: 5).
    - `checkpoint_dir`: where training is checkpointed and resumed from (`None`: no checkpoints).
    - `progress`: gets one-line progress messages.

    **Returns:**

    `{"figures": <the JSON of examples/digits_mlp.py>, "details": {...}}`; `details` adds the runs without drift
    compensation, the training settings and timings.
    """
    t0 = time.perf_counter()
    n_prog = n_programmings or (5 if quick else 10)
    epochs_digital, epochs_hwa = (30, 10) if quick else (80, 40)
    key = jr.key(seed)
    xtr, ytr, xte, yte = load_digits_split()
    digital, hwa_model = _train_models(xtr, ytr, key, (epochs_digital, epochs_hwa), checkpoint_dir, progress)

    def acc(model, k=None):
        return 100.0 * jnp.mean(jnp.argmax(model(xte, key=k), axis=-1) == yte)

    acc_fp = float(acc(digital))
    acc_int8 = float(acc(quantize_int8(digital)))
    plain = analogize(digital, pcm_8bit(drift_compensation=True))
    results = {}
    # Quick mode skips the runs without compensation (each evaluation compiles for ~10 s on 2 cores).
    comps = (True,) if quick else (True, False)
    for i, (name, model) in enumerate((("no_hwa", plain), ("hwa", hwa_model))):
        for comp in comps:
            say(progress, f"digits: drift evaluation, {name}, compensation {comp} ({n_prog} programmings)")
            results[(name, comp)] = evaluate_drift(
                model, acc, key=jr.fold_in(key, 10 + i), n_programmings=n_prog, drift_compensation=comp
            )
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
        "hwa": {"weight_noise_std": HWA_NOISE_STD, "kind": "additive", "clip_sigma": None, "lr": HWA_LR},
        "hardware": "PCM (aihwkit PCMLikeNoiseModel), 8-bit DAC/ADC, 512x512 tiles, global drift compensation",
        "test_examples": int(yte.shape[0]),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return {"figures": figures, "details": details}
