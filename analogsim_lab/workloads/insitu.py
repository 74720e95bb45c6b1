"""The digits MLP trained in situ on pulsed analog arrays, against digital SGD with the same schedule: the training
loops shared by `examples/insitu_digits.py` and the report's in-situ section.

A 64-64-10 sigmoid MLP on scikit-learn's bundled 8x8 digits (inputs scaled to [0, 1], 80/20 split), batch 10, the
setting of IBM aihwkit's published comparison. Both weight matrices live on pulsed devices and are trained by an
in-situ optimizer (`analogsim.insitu`); forward and backward passes read them through the array's periphery
(`analogsim.insitu.AnalogIO`), the backward pass through the transpose. Biases train digitally with plain SGD.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from analogsim import cost, devices, insitu

SIZES = (64, 64, 10)
BATCH = 10


def soft_bounds():
    """SoftBounds with aihwkit's default device-to-device spreads (step 0.3, bounds 0.3, up/down 0.01) and
    cycle-to-cycle noise 0.3: the realistic asymmetric device of the comparison."""
    return devices.SoftBounds(dw_min=0.001, dw_min_dtod=0.3, dw_min_std=0.3, up_down=0.0, up_down_dtod=0.01,
                              w_min=-1.0, w_max=1.0, w_min_dtod=0.3, w_max_dtod=0.3)


DEVICES = {
    "soft_bounds": soft_bounds,
    "constant_step": lambda: devices.ConstantStep(dw_min=0.001, dw_min_dtod=0.3, dw_min_std=0.3, w_min=-1.0,
                                                  w_max=1.0, w_min_dtod=0.3, w_max_dtod=0.3, up_down_dtod=0.01),
    "capacitor": devices.capacitor_li2018,
    "ecram": devices.ecram_tang2018,
}
PULSE_TABLES = {
    # The generic step models are priced with the table of the technology they stand for: SoftBounds for the
    # asymmetric filamentary ReRAM, ConstantStep for the near-linear ECRAM.
    "soft_bounds": cost.pulses_reram_assumed,
    "constant_step": cost.pulses_ecram_tang2018,
    "capacitor": cost.pulses_capacitor_li2018,
    "ecram": cost.pulses_ecram_tang2018,
}
OPTIMIZERS = {
    "analog_sgd": lambda dev, lr, tlr, pulse=insitu.PulseUpdate(): insitu.AnalogSGD(dev, lr=lr, pulse=pulse),
    "mixed_precision": lambda dev, lr, tlr, pulse=None: insitu.MixedPrecision(dev, lr=lr),
    "mixed_precision_expected": lambda dev, lr, tlr, pulse=None: insitu.MixedPrecision(dev, lr=lr,
                                                                                       decrement="expected"),
    "tiki_taka_v2": lambda dev, lr, tlr, pulse=insitu.PulseUpdate(): insitu.TikiTakaV2(dev, lr=lr, transfer_lr=tlr,
                                                                                       pulse=pulse),
}
"""In-situ optimizers by name: `make(device, lr, transfer_lr, pulse)`; `pulse` picks the update pass (the
bit-train reference by default, `PulseUpdate(mode="moments")` for the batch fast path)."""


def _errors(ws, bs, x, y, read, keys):
    """Forward and backward pass of the sigmoid MLP for a batch; `read(i, w, v, key)` is the MVM of layer `i`
    (transposed for the backward pass). Returns the layer inputs, the per-sample errors dL/dz and the logits."""
    acts = [x]
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        z = read(w, acts[-1], keys[i]) + b
        acts.append(jax.nn.sigmoid(z) if i < len(ws) - 1 else z)
    d = jax.nn.softmax(acts[-1]) - jax.nn.one_hot(y, SIZES[-1])
    errs = [d]
    for i in range(len(ws) - 1, 0, -1):
        back = read(ws[i].T, errs[0], keys[len(ws) + i])
        errs.insert(0, back * acts[i] * (1 - acts[i]))
    return acts[:-1], errs, acts[-1]


def train_digital(data, *, lr, epochs, seed):
    """Digital SGD on the same MLP and schedule in float32; returns the test accuracy (percent)."""
    xtr, ytr, xte, yte = data
    k = jr.split(jr.key(seed), len(SIZES))
    ws = [jr.uniform(k[i], (SIZES[i + 1], SIZES[i]), minval=-0.3, maxval=0.3) for i in range(len(SIZES) - 1)]
    bs = [jnp.zeros(n) for n in SIZES[1:]]
    exact = lambda w, v, key: v @ w.T

    @jax.jit
    def step(ws, bs, xb, yb):
        xs, ds, _ = _errors(ws, bs, xb, yb, exact, [None] * 4)
        return ([w - lr * d.T @ x for w, x, d in zip(ws, xs, ds, strict=True)],
                [b - lr * d.sum(0) for b, d in zip(bs, ds, strict=True)])

    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(xtr))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            ws, bs = step(ws, bs, xtr[order[i : i + BATCH]], ytr[order[i : i + BATCH]])
    _, _, logits = _errors(ws, bs, xte, yte, exact, [None] * 4)
    return 100.0 * float(jnp.mean(jnp.argmax(logits, -1) == yte))


def train_insitu(data, opt, *, lr_bias, epochs, seed):
    """Train the MLP with `opt` on both layers; returns accuracy per epoch (percent) and the final states."""
    xtr, ytr, xte, yte = data
    analog = insitu.AnalogIO()
    read = lambda w, v, key: analog.read(w, v, key=key)
    keys = jr.split(jr.key(seed), 2 * (len(SIZES) - 1))
    states = []
    for i in range(len(SIZES) - 1):
        w0 = jr.uniform(keys[2 * i], (SIZES[i + 1], SIZES[i]), minval=-0.3, maxval=0.3)
        states.append(opt.init((SIZES[i + 1], SIZES[i]), key=keys[2 * i + 1], w0=w0))
    bs = [jnp.zeros(n) for n in SIZES[1:]]

    @jax.jit
    def step(states, bs, xb, yb, key):
        ks = jr.split(key, 6)
        ws = [opt.weights(s) for s in states]
        xs, ds, _ = _errors(ws, bs, xb, yb, read, ks[:4])
        states = [opt.update(s, x, d, key=k) for s, x, d, k in zip(states, xs, ds, ks[4:], strict=True)]
        return states, [b - lr_bias * d.sum(0) for b, d in zip(bs, ds, strict=True)]

    @jax.jit
    def accuracy(states, bs, key):
        _, _, logits = _errors([opt.weights(s) for s in states], bs, xte, yte, read, jr.split(key, 4))
        return 100.0 * jnp.mean(jnp.argmax(logits, -1) == yte)

    rng, key, accs = np.random.default_rng(seed), jr.key(seed + 1), []
    for _ in range(epochs):
        order = rng.permutation(len(xtr))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            key, k = jr.split(key)
            states, bs = step(states, bs, xtr[order[i : i + BATCH]], ytr[order[i : i + BATCH]], k)
        key, k = jr.split(key)
        accs.append(float(accuracy(states, bs, k)))
    return accs, states


def summarize(device_name, opt_name, accs, states):
    """One JSON row: accuracy, pulses per weight, the most-pulsed cell, and the run's energy and time."""
    counts = [s.counts for s in states]
    weights = sum(SIZES[i] * SIZES[i + 1] for i in range(len(SIZES) - 1))
    pulses = sum(float(c.pulses_total) for c in counts)
    row = {"device": device_name, "optimizer": opt_name, "test_acc": accs[-1], "acc_per_epoch": accs,
           "pulses_per_weight": pulses / weights,
           "max_pulses_per_cell": int(max(int(c.max_pulses_per_cell) for c in counts)),
           "pulse_table": PULSE_TABLES[device_name].__name__}
    priced = [cost.price_insitu(c, PULSE_TABLES[device_name](), cost.pcm_hermes()) for c in counts]
    row["energy_j"] = sum(p["total_j"] for p in priced)
    row["time_s"] = sum(p["time_s"] for p in priced)
    return row
