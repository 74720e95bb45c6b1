"""The digits MLP trained in situ on pulsed analog arrays, against digital SGD with the same schedule: the training
loops shared by `examples/insitu_digits.py` and the report's in-situ section.

A 64-64-10 sigmoid MLP on scikit-learn's bundled 8x8 digits (inputs scaled to [0, 1], 80/20 split), batch 10, the
setting of IBM aihwkit's published comparison. Both weight matrices live on pulsed devices and are trained by an
in-situ optimizer (`analogsim.insitu`); forward and backward passes read them through the array's periphery
(`analogsim.insitu.AnalogIO`), the backward pass through the transpose. Biases train digitally with plain SGD.
"""

from __future__ import annotations

import math

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
    "chopped_tiki_taka_v2": lambda dev, lr, tlr, pulse=insitu.PulseUpdate(): insitu.ChoppedTTv2(
        dev, lr=lr, transfer_lr=tlr, pulse=pulse),
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


def _epoch_batches(data, seeds, rngs):
    """One epoch's shuffled training batches for each run: `rngs[seed].permutation` (runs that share a seed share
    the order; the `BATCH`-sized batches of the permutation, the remainder dropped). Returns `(x, y)` of shapes
    `(runs, steps, BATCH, ...)`."""
    xtr, ytr = data[0], data[1]
    perms = {s: rng.permutation(len(xtr)) for s, rng in rngs.items()}
    steps = len(xtr) // BATCH
    order = np.stack([perms[s][: steps * BATCH].reshape(steps, BATCH) for s in seeds])
    return xtr[order], ytr[order]


def _scan_epoch(step, evaluate):
    """One epoch of one run as a `lax.scan` over its batches: `step(model, xb, yb, key) -> model` with a key split
    off per batch, then `evaluate(model, key) -> accuracy` with one more. Returns
    `epoch((model, key), xs, ys) -> ((model, key), accuracy)`."""

    def epoch(carry, xs, ys):
        def body(carry, batch):
            model, key = carry
            key, k = jr.split(key)
            return (step(model, *batch, k), key), None

        (model, key), _ = jax.lax.scan(body, carry, (xs, ys))
        key, k = jr.split(key)
        return (model, key), evaluate(model, k)

    return epoch


def _run_epochs(data, epoch, model, seeds, epochs, *, many: bool, progress=None):
    """Run the jitted `epoch((model, key), xs, ys)` for `epochs` epochs; each run's key starts at
    `jr.key(seed + 1)` and its shuffles at `np.random.default_rng(seed)`. With `many`, `model`, the key and the
    batches carry a leading run axis (one per entry of `seeds`) and `epoch` handles it. `progress(epoch,
    accuracies)` is called after each epoch. Returns `(accuracies (runs, epochs), model)`."""
    key = jnp.stack([jr.key(s + 1) for s in seeds]) if many else jr.key(seeds[0] + 1)
    fn = jax.jit(epoch)
    rngs, carry, accs = {s: np.random.default_rng(s) for s in dict.fromkeys(seeds)}, (model, key), []
    for e in range(epochs):
        xs, ys = _epoch_batches(data, seeds, rngs)
        carry, acc = fn(carry, xs, ys) if many else fn(carry, xs[0], ys[0])
        accs.append(np.atleast_1d(np.asarray(acc, np.float64)))
        if progress is not None:
            progress(e + 1, accs[-1])
    return np.stack(accs, axis=1), carry[0]


def _grid(values, seeds):
    """The runs of a grid, value major: every value with every seed, as two per-run lists."""
    return [v for v in values for _ in seeds], [s for _ in values for s in seeds]


def _check_grid(values, seeds, what: str):
    if len(values) == 0 or len(seeds) == 0:
        raise ValueError(f"a grid of runs needs at least one {what} and one seed, got {values!r} and {seeds!r}")


def _digital_init(seed):
    k = jr.split(jr.key(seed), len(SIZES))
    ws = [jr.uniform(k[i], (SIZES[i + 1], SIZES[i]), minval=-0.3, maxval=0.3) for i in range(len(SIZES) - 1)]
    return ws, [jnp.zeros(n) for n in SIZES[1:]]


def _digital_epoch(data, lr):
    xte, yte = data[2], data[3]
    exact = lambda w, v, key: v @ w.T

    def step(model, xb, yb, key):
        ws, bs = model
        xs, ds, _ = _errors(ws, bs, xb, yb, exact, [None] * 4)
        return ([w - lr * d.T @ x for w, x, d in zip(ws, xs, ds, strict=True)],
                [b - lr * d.sum(0) for b, d in zip(bs, ds, strict=True)])

    def evaluate(model, key):
        _, _, logits = _errors(*model, xte, yte, exact, [None] * 4)
        return jnp.mean(jnp.argmax(logits, -1) == yte)  # a fraction: the callers scale it in float64

    return _scan_epoch(step, evaluate)


def train_digital(data, *, lr, epochs, seed):
    """Digital SGD on the same MLP and schedule in float32; returns the test accuracy (percent)."""
    accs, _ = _run_epochs(data, _digital_epoch(data, lr), _digital_init(seed), [seed], epochs, many=False)
    return 100.0 * float(accs[0, -1])


def train_digital_runs(data, *, lrs, seeds, epochs, progress=None):
    """Digital SGD for every learning rate of `lrs` with every seed of `seeds`, all in one vmapped program: run
    `(lr, seed)` equals `train_digital(data, lr=lr, seed=seed)` up to float rounding.

    **Returns:**

    The test accuracy (percent) after each epoch: a NumPy array `(len(lrs), len(seeds), epochs)`.
    """
    _check_grid(lrs, seeds, "learning rate")
    run_lrs, run_seeds = _grid(lrs, seeds)
    lr = jnp.asarray(run_lrs, jnp.float32)
    model = jax.vmap(_digital_init)(jnp.asarray(run_seeds))
    epoch = lambda c, xs, ys: jax.vmap(lambda c, lr, xs, ys: _digital_epoch(data, lr)(c, xs, ys))(c, lr, xs, ys)
    accs, _ = _run_epochs(data, epoch, model, run_seeds, epochs, many=True, progress=progress)
    return 100.0 * accs.reshape(len(lrs), len(seeds), epochs)


def _insitu_init(opt, seed):
    keys = jr.split(jr.key(seed), 2 * (len(SIZES) - 1))
    states = []
    for i in range(len(SIZES) - 1):
        w0 = jr.uniform(keys[2 * i], (SIZES[i + 1], SIZES[i]), minval=-0.3, maxval=0.3)
        states.append(opt.init((SIZES[i + 1], SIZES[i]), key=keys[2 * i + 1], w0=w0))
    return states, [jnp.zeros(n) for n in SIZES[1:]]


def _insitu_epoch(data, opt, lr_bias):
    xte, yte = data[2], data[3]
    analog = insitu.AnalogIO()
    read = lambda w, v, key: analog.read(w, v, key=key)

    def step(model, xb, yb, key):
        states, bs = model
        ks = jr.split(key, 6)
        xs, ds, _ = _errors([opt.weights(s) for s in states], bs, xb, yb, read, ks[:4])
        states = [opt.update(s, x, d, key=k) for s, x, d, k in zip(states, xs, ds, ks[4:], strict=True)]
        return states, [b - lr_bias * d.sum(0) for b, d in zip(bs, ds, strict=True)]

    def evaluate(model, key):
        states, bs = model
        _, _, logits = _errors([opt.weights(s) for s in states], bs, xte, yte, read, jr.split(key, 4))
        return 100.0 * jnp.mean(jnp.argmax(logits, -1) == yte)

    return _scan_epoch(step, evaluate)


def train_insitu(data, opt, *, lr_bias, epochs, seed):
    """Train the MLP with `opt` on both layers; returns accuracy per epoch (percent) and the final states."""
    accs, (states, _) = _run_epochs(data, _insitu_epoch(data, opt, lr_bias), _insitu_init(opt, seed), [seed],
                                    epochs, many=False)
    return [float(a) for a in accs[0]], states


def train_insitu_runs(data, make, params, *, seeds, lr_bias, epochs, progress=None):
    """Train the MLP in situ for every parameter of `params` with every seed of `seeds`, all in one vmapped
    program (the runs' optimizer states are stacked pytrees). Run `(p, seed)` equals
    `train_insitu(data, make(p), lr_bias=..., seed=seed)` up to float rounding: the same initial weights, shuffles
    and keys.

    **Arguments:**

    - `data`: `(x_train, y_train, x_test, y_test)`.
    - `make`: `make(p) -> optimizer`, called with a traced scalar inside the vmapped program (e.g.
      `lambda lr: insitu.AnalogSGD(dev, lr=lr)`, or a device parameter such as a leakage time constant) and once
      with each concrete `p` beforehand, which validates it.
    - `params`: the values of `p`, one per configuration.
    - `seeds`: the seeds (int), each run with every configuration.
    - `lr_bias`: the biases' digital learning rate, one per configuration or one for all.
    - `epochs`: epochs per run.
    - `progress`: optional `progress(epoch, accuracies)` after each epoch (accuracies per run).

    **Returns:**

    `(accs, states)`: the test accuracy (percent) after each epoch, a NumPy array
    `(len(params), len(seeds), epochs)`; and the final optimizer states of the layers, each with a leading run
    axis in the order `(params, seeds)` flattened (`run_state(states, i)` picks run `i`).
    """
    _check_grid(params, seeds, "configuration")
    biases = [lr_bias] * len(params) if np.ndim(lr_bias) == 0 else list(lr_bias)
    if len(biases) != len(params):
        raise ValueError(f"lr_bias must be one value or one per configuration ({len(params)}), got {len(biases)}")
    for p in params:
        make(p)
    run_p, run_seeds = _grid(params, seeds)
    p_arr, bias = jnp.asarray(run_p, jnp.float32), jnp.asarray(_grid(biases, seeds)[0], jnp.float32)
    model = jax.vmap(lambda p, s: _insitu_init(make(p), s))(p_arr, jnp.asarray(run_seeds))

    def epoch(carry, xs, ys):
        one = lambda c, p, b, xs, ys: _insitu_epoch(data, make(p), b)(c, xs, ys)
        return jax.vmap(one)(carry, p_arr, bias, xs, ys)

    accs, (states, _) = _run_epochs(data, epoch, model, run_seeds, epochs, many=True, progress=progress)
    return accs.reshape(len(params), len(seeds), epochs), states


def run_state(states, i: int):
    """Run `i`'s states out of `train_insitu_runs`' stacked states."""
    return jax.tree.map(lambda a: a[i], states)


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


def best_lr(accs, lrs) -> dict:
    """The best-of-learning-rates rule over seeds: the lr whose seed-mean final accuracy is highest (aihwkit's
    protocol picks the best of four lrs; with several seeds the choice is made on their mean, not per seed).

    **Arguments:**

    - `accs`: accuracies (percent), an array `(len(lrs), seeds, epochs)`.
    - `lrs`: the learning rates of its first axis.

    **Returns:**

    `{"lr", "lr_index", "test_acc"` (the seed mean at that lr), `"test_acc_std"` (the population standard
    deviation over seeds), `"test_acc_per_seed", "acc_per_epoch"` (the seed mean per epoch),
    `"acc_by_lr"` (`{lr: seed-mean final accuracy}`)`}`.
    """
    accs = np.asarray(accs, np.float64)
    final = accs[:, :, -1].mean(axis=1)
    i = int(np.argmax(final))
    return {"lr": float(lrs[i]), "lr_index": i, "test_acc": float(final[i]), "test_acc_std": float(accs[i, :, -1].std()),
            "test_acc_per_seed": accs[i, :, -1].tolist(), "acc_per_epoch": accs[i].mean(axis=0).tolist(),
            "acc_by_lr": {str(lr): float(a) for lr, a in zip(lrs, final, strict=True)}}


def summarize_runs(device_name, opt_name, accs, states, lrs) -> dict:
    """One JSON row of a `train_insitu_runs` grid: `best_lr`'s figures, and `summarize`'s pulses, energy and time
    of the best lr's runs averaged over the seeds (`max_pulses_per_cell`: the most over the seeds)."""
    best = best_lr(accs, lrs)
    n_seeds = np.shape(accs)[1]
    rows = [summarize(device_name, opt_name, list(np.asarray(accs)[best["lr_index"], s]),
                      run_state(states, best["lr_index"] * n_seeds + s)) for s in range(n_seeds)]
    row = {**rows[0], **best}
    for k in ("pulses_per_weight", "energy_j", "time_s"):
        row[k] = float(np.mean([r[k] for r in rows]))
    row["max_pulses_per_cell"] = max(r["max_pulses_per_cell"] for r in rows)
    return row


LEAKAGE_TAUS_S = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1e2, None)
"""Leakage time constants (s) of the capacitor sweep; `None`: no leakage. At the optimizers' assumed 1 us per
sample (`t_sample_s`), an epoch of the digits MLP (1430 samples) lasts 1.43 ms, so `tau_s = 1e-3` s is about one
epoch and the preset's 1 s is about 700 epochs."""


def leakage_sweep(data, taus, *, lr, seeds, epochs, pulse=None, progress=None) -> list[dict]:
    """Accuracy of the digits MLP trained by plain analog SGD on the capacitor cell (`capacitor_li2018`) against its
    leakage time constant `tau_s`, every finite `tau_s` with every seed in one vmapped program. The cells leak
    `w exp(-t / tau_s)` after every sample, `t = t_sample_s = 1 us` (an assumption: one update cycle per sample,
    no idle time between samples), so the sweep's axis is the leakage time in units of samples.

    **Arguments:**

    - `data`: `(x_train, y_train, x_test, y_test)`.
    - `taus`: the time constants (s); `None` for a capacitor that does not leak.
    - `lr`: the learning rate of the analog SGD and of the digital biases.
    - `seeds`, `epochs`: the runs' seeds and length.
    - `pulse`: the `PulseUpdate` scheme (default: the bit-train reference).
    - `progress`: optional `progress(message)`.

    **Returns:**

    One row per tau, `{"tau_s", "test_acc"` (mean over seeds), `"test_acc_std", "acc_per_epoch"` (seed mean)`}`.
    """
    pulse = insitu.PulseUpdate() if pulse is None else pulse
    # No leakage runs in the same program as tau = inf: exp(-t / inf) = 1 leaves the weights exactly unchanged.
    values = [math.inf if t is None else float(t) for t in taus]
    make = lambda tau: insitu.AnalogSGD(devices.capacitor_li2018(tau_s=tau), lr=lr, pulse=pulse)
    if progress is not None:
        progress(f"capacitor leakage sweep: tau_s = {list(taus)}")
    accs, _ = train_insitu_runs(data, make, values, seeds=seeds, lr_bias=lr, epochs=epochs)
    return [{"tau_s": t, "test_acc": float(a[:, -1].mean()), "test_acc_std": float(a[:, -1].std()),
             "acc_per_epoch": a.mean(axis=0).tolist()} for t, a in zip(taus, accs, strict=True)]
