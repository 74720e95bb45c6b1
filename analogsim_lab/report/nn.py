"""Report sections for `analogsim.nn`: the digits MLP and the tiny transformer, analog vs digital over time."""

from __future__ import annotations

from analogsim.nn import TIMES

from ..workloads import digits_mlp, tiny_transformer
from .context import Context, SectionResult, label_axes, pyplot


def plot_digits(fig_d: dict, det: dict):
    """Accuracy against time after programming for analog PCM without and with hardware-aware training, with the
    digital float32 and int8 accuracies as lines (`digits_mlp`'s figures and details)."""
    plt = pyplot()
    labels = list(TIMES)
    secs = [TIMES[t] for t in labels]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    series = {
        "analog PCM, no HWA (compensated)": (fig_d["analog_no_hwa"], det["analog_no_hwa_std"]),
        "analog PCM, HWA (compensated)": (fig_d["analog_hwa"], fig_d["analog_hwa_std"]),
    }
    for name, (mean, std) in series.items():
        ax.errorbar(
            secs, [mean[t] for t in labels], yerr=[std[t] for t in labels], fmt="o-", capsize=3, label=name
        )
    for name, key in (("no HWA, uncompensated", "analog_no_hwa_no_compensation"),
                      ("HWA, uncompensated", "analog_hwa_no_compensation")):  # fmt: skip
        if det[key] is not None:
            ax.plot(secs, [det[key][t] for t in labels], "x:", label=f"analog PCM, {name}")
    ax.axhline(fig_d["digital_float32"], color="k", lw=1, label="digital float32")
    ax.axhline(fig_d["digital_int8"], color="gray", ls="--", lw=1, label="digital int8")
    ax.set_xscale("log")
    ax.set_xticks(secs, labels)
    title = f"Digits MLP 64-256-256-10 on PCM, {fig_d['programmings']} programmings (mean ± std)"
    label_axes(ax, "time after programming", "test accuracy (%)", title, legend_size=7)
    return fig


def digits_markdown(fig_d: dict, det: dict, png: str, quick: bool) -> str:
    """The digits section's text from `digits_mlp`'s figures and details and the saved plot."""
    labels = list(TIMES)
    gap = det["gap_hwa_vs_float32"]
    rows = "\n".join(
        f"| {name} | " + " | ".join(f"{d[t]:.2f}" for t in labels) + " |"
        for name, d in (
            ("analog, no HWA", fig_d["analog_no_hwa"]),
            ("analog, HWA", fig_d["analog_hwa"]),
            ("analog, HWA (std)", fig_d["analog_hwa_std"]),
        )
    )
    return f"""
A 64-256-256-10 ReLU MLP on scikit-learn's 8x8 digits (test split 20 %, `random_state=0`, {det["test_examples"]}
test images), trained digitally ({det["epochs_digital"]} epochs, Adam), then run on {det["hardware"]}. Hardware-aware
training (HWA) fine-tunes the digital weights for {det["epochs_hwa"]} epochs through the 8-bit converters with fresh
Gaussian weight noise (std {det["hwa"]["weight_noise_std"]} of each column's max |w|) on every mini-batch. Accuracies in
percent, mean over {fig_d["programmings"]} independent programmings (vmapped over keys), global drift compensation on.
Digital float32: **{fig_d["digital_float32"]:.2f} %**, digital int8: **{fig_d["digital_int8"]:.2f} %**.

![digits accuracy vs time]({png})

| configuration | {" | ".join(labels)} |
|---|{"---|" * len(labels)}
{rows}

Gap of the HWA-trained analog model to digital float32: {gap["1d"]:.2f} points at 1 day (target ≤ 1.0) and
{gap["1y"]:.2f} points at 1 year (target ≤ 2.0). Reproduce with `python examples/digits_mlp.py{" --quick" if quick else ""}`.
"""


def digits_section(ctx: Context) -> SectionResult:
    """Digits MLP: accuracy vs time after programming for analog PCM without/with hardware-aware training, against
    digital float32 and int8 (quick mode: fewer epochs and programmings)."""
    res = digits_mlp(quick=ctx.quick, seed=ctx.seed, progress=ctx.progress, checkpoint_dir=ctx.checkpoint_dir)
    fig_d, det = res["figures"], res["details"]
    png = ctx.save_figure(plot_digits(fig_d, det), "nn_digits.png")
    md = digits_markdown(fig_d, det, png, ctx.quick)
    return SectionResult(title="Digits MLP on analog PCM", markdown=md, figures={**fig_d, "details": det})


def plot_transformer(f: dict, det: dict):
    """Validation perplexity at 1 h and 1 day for analog projections and fully analog (gain-cell attention), with
    the digital perplexity and the target as lines (`tiny_transformer`'s figures and details)."""
    plt = pyplot()
    labels = list(f["analog_full_ppl"])
    secs = [TIMES[t] for t in labels]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, key in (
        ("analog projections (PCM), HWA", "analog_proj"),
        ("fully analog (+ gain-cell attention), HWA", "analog_full"),
    ):
        ax.errorbar(
            secs,
            [f[f"{key}_ppl"][t] for t in labels],
            yerr=[det[f"{key}_ppl_std"][t] for t in labels],
            fmt="o-",
            capsize=3,
            label=name,
        )
    ax.axhline(f["digital_ppl"], color="k", lw=1, label="digital float32")
    ax.axhline(1.1 * f["digital_ppl"], color="k", ls=":", lw=1, label="target: digital + 10 %")
    ax.set_xscale("log")
    ax.set_xticks(secs, labels)
    sz = det["sizes"]
    title = (
        f"Tiny transformer d={sz['d_model']}, {sz['num_layers']} layers, {det['programmings']} programmings"
    )
    ylabel = "validation perplexity (per character)"
    label_axes(ax, "time after programming", ylabel, title, legend_size=7)
    return fig


def transformer_markdown(f: dict, det: dict, png: str, quick: bool) -> str:
    """The transformer section's text from `tiny_transformer`'s figures and details and the saved plot."""
    labels = list(f["analog_full_ppl"])
    sz = det["sizes"]
    return f"""
A decoder-only, pre-norm character transformer (d_model {sz["d_model"]}, {sz["num_heads"]} heads, {sz["num_layers"]}
layers, context {sz["seq"]}) trained on {det["train_bytes"]} bytes of standard-library source ({", ".join(det["train_files"])})
and validated on {det["val_bytes"]} bytes of other modules ({", ".join(det["val_files"])}). Analog models are
hardware-aware fine-tuned and programmed on PCM (8-bit DAC/ADC, drift compensation): the projections-only model from
the digital one ({det["epochs_hwa"]["analog_proj"]} epochs), the fully analog model from the projections-only one
({det["epochs_hwa"]["analog_full"]} more epochs). The fully analog model also computes `Q K^T` and `A V` on gain-cell
arrays (4-bit Q, 3-bit K/V in one 8-level cell each, 5-bit output, write noise, retention decay; Leroux et al.
2025). Perplexity is the mean over {det["programmings"]} programmings.

![transformer perplexity]({png})

| model | {" | ".join(labels)} |
|---|{"---|" * len(labels)}
| digital float32 | {" | ".join(f"{f['digital_ppl']:.3f}" for _ in labels)} |
| analog projections | {" | ".join(f"{f['analog_proj_ppl'][t]:.3f}" for t in labels)} |
| fully analog | {" | ".join(f"{f['analog_full_ppl'][t]:.3f}" for t in labels)} |

Fully analog / digital perplexity at 1 day: **{det["ratio_full_vs_digital_1d"]:.3f}** (target ≤ 1.10).
Reproduce with `python examples/tiny_transformer.py{" --quick" if quick else ""}`.
"""


def transformer_section(ctx: Context) -> SectionResult:
    """Tiny character transformer: validation perplexity at 1 h and 1 day for analog projections and fully analog
    (gain-cell attention), against the digital model."""
    res = tiny_transformer(
        quick=ctx.quick, seed=ctx.seed, progress=ctx.progress, checkpoint_dir=ctx.checkpoint_dir
    )
    f, det = res["figures"], res["details"]
    png = ctx.save_figure(plot_transformer(f, det), "nn_transformer.png")
    md = transformer_markdown(f, det, png, ctx.quick)
    return SectionResult(
        title="Tiny transformer on analog hardware", markdown=md, figures={**f, "details": det}
    )
