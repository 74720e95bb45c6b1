"""Report section: in-situ training of the digits MLP on pulsed analog arrays (accuracy per epoch per device and
optimizer, accuracy against the device's up/down asymmetry, energy per training step by component, accuracy
against the capacitor cell's leakage time constant)."""

from __future__ import annotations

import numpy as np

from analogsim import cost, devices, insitu

from ..workloads import insitu as lab, load_digits_split
from .context import Context, SectionResult, label_axes, pyplot

LR, TRANSFER_LR = 0.02, 0.1
RUNS = (("soft_bounds", "analog_sgd"), ("soft_bounds", "tiki_taka_v2"), ("soft_bounds", "mixed_precision"),
        ("capacitor", "analog_sgd"), ("soft_bounds", "chopped_tiki_taka_v2"))
"""(device, optimizer) pairs of the accuracy-per-epoch figure; quick mode runs the first two."""
QUICK_TAUS_S = (1e-4, 1e-2, None)
"""Leakage time constants (s) of the capacitor sweep in quick mode; the full report sweeps `LEAKAGE_TAUS_S` of
`analogsim_lab.workloads.insitu`."""
UP_DOWN = (0.0, 0.2, 0.4)
"""SoftBounds asymmetries of the accuracy-vs-asymmetry figure (analog SGD); quick mode runs the ends."""


def _energy_per_step(states, dev_name, steps) -> dict:
    """Energy (J) per training step by component, summed over the MLP's layers."""
    priced = [cost.price_insitu(s.counts, lab.PULSE_TABLES[dev_name](), cost.pcm_hermes()) for s in states]
    return {k: sum(p["energy_j"][k] for p in priced) / steps for k in cost.INSITU_COMPONENTS}


def insitu_compute(ctx: Context, *, epochs: int | None = None, n_train: int | None = None) -> dict:
    """Train the runs with the batch fast path (`PulseUpdate(mode="moments")`).

    **Arguments:**

    - `ctx`: the report context (`quick`: 1 epoch, fewer runs; `seed`).
    - `epochs`, `n_train`: override the epochs and cut the training set (tests).

    **Returns:**

    `{"epochs", "digital_sgd_acc", "runs": [{device, optimizer, acc_per_epoch, energy_per_step_j}],
    "asymmetry": [{up_down, test_acc}], "leakage": [{tau_s, test_acc, test_acc_std, acc_per_epoch}]}` (the
    leakage sweep: analog SGD on `capacitor_li2018` at 1 us per sample, `leakage_sweep`).
    """
    xtr, ytr, xte, yte = load_digits_split()
    data = (xtr[:n_train], ytr[:n_train], xte, yte)
    epochs = epochs or (1 if ctx.quick else 10)
    fast = insitu.PulseUpdate(mode="moments")
    steps = epochs * (len(data[0]) // lab.BATCH)
    out = {"epochs": epochs, "digital_sgd_acc": lab.train_digital(data, lr=LR, epochs=epochs, seed=ctx.seed),
           "runs": [], "asymmetry": []}
    for dev_name, opt_name in RUNS[:2] if ctx.quick else RUNS:
        ctx.progress(f"in-situ digits: {dev_name} {opt_name}")
        dev = lab.DEVICES[dev_name]()
        opt = lab.OPTIMIZERS[opt_name](dev, min(LR, 31 * float(dev.dw_min)), TRANSFER_LR, fast)
        accs, states = lab.train_insitu(data, opt, lr_bias=LR, epochs=epochs, seed=ctx.seed)
        out["runs"].append({"device": dev_name, "optimizer": opt_name, "acc_per_epoch": accs,
                            "energy_per_step_j": _energy_per_step(states, dev_name, steps)})
    for up_down in UP_DOWN[::2] if ctx.quick else UP_DOWN:
        ctx.progress(f"in-situ digits: SoftBounds up_down = {up_down}")
        dev = lab.DEVICES["soft_bounds"]()
        dev = devices.SoftBounds(**{**{f: getattr(dev, f) for f in dev.__dataclass_fields__}, "up_down": up_down})
        accs, _ = lab.train_insitu(data, lab.OPTIMIZERS["analog_sgd"](dev, LR, TRANSFER_LR, fast), lr_bias=LR,
                               epochs=epochs, seed=ctx.seed)
        out["asymmetry"].append({"up_down": up_down, "test_acc": accs[-1]})
    taus = QUICK_TAUS_S if ctx.quick else lab.LEAKAGE_TAUS_S
    out["leakage"] = lab.leakage_sweep(data, taus, lr=LR, seeds=[ctx.seed], epochs=epochs, pulse=fast,
                                   progress=ctx.progress)
    return out


def insitu_plot(ctx: Context, fig_data: dict) -> str:
    """Four panels: accuracy per epoch, accuracy vs asymmetry, energy per step by component, accuracy vs the
    capacitor's leakage time constant. Returns the PNG name."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(20, 4))
    for r in fig_data["runs"]:
        axes[0].plot(np.arange(1, len(r["acc_per_epoch"]) + 1), r["acc_per_epoch"], "o-",
                     label=f"{r['device']} {r['optimizer']}")
    axes[0].axhline(fig_data["digital_sgd_acc"], color="k", ls="--", label="digital SGD")
    label_axes(axes[0], "epoch", "test accuracy (%)", "digits MLP trained in situ", legend_size=7)
    a = fig_data["asymmetry"]
    axes[1].plot([r["up_down"] for r in a], [r["test_acc"] for r in a], "o-", label="SoftBounds, analog SGD")
    label_axes(axes[1], "up/down asymmetry", "test accuracy (%)", "accuracy vs device asymmetry")
    names = [f"{r['device']}\n{r['optimizer']}" for r in fig_data["runs"]]
    bottom = np.zeros(len(names))
    for comp in cost.INSITU_COMPONENTS:
        vals = np.array([r["energy_per_step_j"][comp] for r in fig_data["runs"]])
        axes[2].bar(names, vals, bottom=bottom, label=comp)
        bottom += vals
    axes[2].set_yscale("log")
    axes[2].tick_params(axis="x", labelsize=7)
    label_axes(axes[2], None, "energy per training step (J)", "energy per step by component", axis="y")
    _leakage_panel(axes[3], fig_data["leakage"])
    return ctx.save_figure(fig, "insitu.png")


def _leakage_panel(ax, rows):
    finite = [r for r in rows if r["tau_s"] is not None]
    ax.errorbar([r["tau_s"] for r in finite], [r["test_acc"] for r in finite],
                yerr=[r["test_acc_std"] for r in finite], fmt="o-", label="capacitor, analog SGD")
    for r in rows:
        if r["tau_s"] is None:
            ax.axhline(r["test_acc"], color="k", ls=":", label="no leakage")
    ax.set_xscale("log")
    label_axes(ax, "leakage time constant tau (s), 1 us per sample", "test accuracy (%)",
               "accuracy vs capacitor leakage")


def insitu_markdown(fig_data: dict, png: str) -> str:
    """The section's Markdown: a table of final accuracies and energy per step, and the figure."""
    lines = [f"Digits MLP (64-64-10, batch {lab.BATCH}), {fig_data['epochs']} epochs, batch fast path of the update "
             f"pass. Digital SGD: {fig_data['digital_sgd_acc']:.2f} %.", "",
             "| device | optimizer | test accuracy | energy per step |", "|---|---|---|---|"]
    for r in fig_data["runs"]:
        e = sum(r["energy_per_step_j"].values())
        lines.append(f"| {r['device']} | {r['optimizer']} | {r['acc_per_epoch'][-1]:.2f} % | {e:.3g} J |")
    lines += ["", "Accuracy vs up/down asymmetry (SoftBounds, analog SGD): "
              + ", ".join(f"{r['up_down']:g}: {r['test_acc']:.1f} %" for r in fig_data["asymmetry"]), "",
              "Accuracy vs the capacitor cell's leakage time constant (analog SGD; the cells leak `exp(-t / tau)` "
              "for 1 us after every sample, so one epoch lasts 1.43 ms):", "",
              "| tau (s) | test accuracy |", "|---|---|"]
    lines += [f"| {'no leakage' if r['tau_s'] is None else format(r['tau_s'], 'g')} | {r['test_acc']:.2f} % |"
              for r in fig_data["leakage"]]
    lines += ["", f"![in-situ training]({png})"]
    return "\n".join(lines)


def insitu_section(ctx: Context) -> SectionResult:
    """In-situ training of the digits MLP: compute, plot, Markdown."""
    fig_data = insitu_compute(ctx)
    return SectionResult("In-situ training on pulsed devices", insitu_markdown(fig_data, insitu_plot(ctx, fig_data)),
                         fig_data)
