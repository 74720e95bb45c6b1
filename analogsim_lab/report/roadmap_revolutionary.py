"""The roadmap section's revolutionary part: the table "training a GPT-3-class model" (`analogsim.roadmap.
training_table`) as Markdown, and its chart with one linear panel per energy and time component."""

from __future__ import annotations

from analogsim import roadmap

from .context import pyplot

_LABELS = {
    "forward": "forward",
    "backward": "backward",
    "update": "update",
    "attention": "attention",
    "digital": "digital",
    "data_movement": "data movement",
}


def _esc(text) -> str:
    """`text` with `$` escaped: a bare `$` starts inline math in GitHub Markdown."""
    return str(text).replace("$", "\\$")


def _label(row: dict) -> str:
    """A row's name, flagged where its fully connected reads are priced with an uncalibrated table."""
    if row["name"].startswith("GPU") or row["calibrated"]:
        return row["name"]
    return f"{row['name']} (uncalibrated)"


def revolutionary_components(table: dict) -> dict:
    """Energy (MWh) of each component for each row of one `training_table`: `{component: {row label: MWh}}`."""
    return {
        part: {_label(r): r["energy_j"][part] / 3.6e9 for r in table["rows"]}
        for part in roadmap.TRAINING_COMPONENTS
    }


def plot_revolutionary(rev: dict):
    """The dense model's table as bars: energy (top) and busy time (bottom) per component, one panel per
    component on its own linear axis, so no component hides under another; every bar carries its value."""
    plt = pyplot()
    table = rev["dense"]
    rows = table["rows"]
    parts = roadmap.TRAINING_COMPONENTS
    fig, axes = plt.subplots(2, len(parts), figsize=(3.0 * len(parts), 6.5))
    colors = [f"C{i}" for i in range(len(rows))]
    for j, part in enumerate(parts):
        for i, (key, scale, unit) in enumerate((("energy_j", 3.6e9, "MWh"), ("time_s", 86400.0, "days"))):
            ax = axes[i, j]
            bars = ax.bar(range(len(rows)), [r[key][part] / scale for r in rows], color=colors)
            ax.bar_label(bars, fmt="%.2g", fontsize=6)  # the values: a bar far below the GPU's stays readable
            ax.set_xticks(range(len(rows)), [str(k) for k in range(len(rows))], fontsize=8)
            ax.set_title(f"{_LABELS[part]} {'energy' if i == 0 else 'busy time'}", fontsize=9)
            ax.set_ylabel(unit, fontsize=8)
            ax.grid(alpha=0.3, axis="y")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors]
    fig.legend(handles, [f"{i}: {_label(r)}" for i, r in enumerate(rows)], loc="lower center",
               ncol=len(rows), fontsize=8)
    fig.suptitle(f"Training {table['model']}: energy and busy time by component (linear axes)", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    return fig


def _endurance(r: dict) -> str:
    lo, hi = r["endurance"]
    if r["name"].startswith("GPU"):
        return "-"
    if lo is None:
        return "unlimited (volatile)"
    return f"{lo:.0e}+" if hi is None else f"{lo:.0e} to {hi:.0e}"


def summary_markdown(table: dict) -> str:
    """One line per row: energy, time, dollars, writes per cell against endurance, measured accuracy penalty."""
    lines = [
        "| system | reads priced with | energy (MWh) | time (days) | bottleneck | GPUs / chips | dollars "
        "(electricity + hardware) | writes per cell | endurance (cycles) | wear | accuracy penalty (digits MLP) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table["rows"]:
        pen = r["accuracy_penalty_pt"]
        acc = "not measured" if pen is None else f"{pen:+.2f} pt ({_esc(r['accuracy_source'])})"
        writes = "-" if r["name"].startswith("GPU") else f"{r['writes_per_cell']:.2g}"
        lines.append(
            f"| {_esc(_label(r))} | {_esc(r['technology'])} | {r['total_j'] / 3.6e9:.3g} | {r['wall_days']:.3g} | "
            f"{r['bottleneck']} | {r['devices']:.3g} | \\${r['total_usd']:,.0f} (\\${r['usd']['electricity']:,.0f} "
            f"+ \\${r['usd']['hardware']:,.0f}) | {writes} | {_endurance(r)} | **{r['endurance_status']}** | {acc} |"
        )
    return "\n".join(lines)


def breakdown_markdown(table: dict, key: str, scale: float, unit: str) -> str:
    """Energy (`key="energy_j"`) or busy time (`"time_s"`) of every row by component, in `unit`."""
    parts = roadmap.TRAINING_COMPONENTS
    lines = [
        f"| system | {' | '.join(_LABELS[p] for p in parts)} | total ({unit}) |",
        "|---|" + "---|" * (len(parts) + 1),
    ]
    for r in table["rows"]:
        vals = " | ".join(f"{r[key][p] / scale:.3g}" for p in parts)
        total = r["total_j"] / scale if key == "energy_j" else r["wall_s"] / scale
        lines.append(f"| {_esc(_label(r))} | {vals} | {total:.3g} |")
    return "\n".join(lines)


def sensitivity_markdown(table: dict) -> str:
    """Total dollars of every row with one assumption changed."""
    names = [r["name"] for r in table["rows"]]
    lines = ["| case | " + " | ".join(_esc(n) for n in names) + " |", "|---|" + "---|" * len(names)]
    base = {r["name"]: r["total_usd"] for r in table["rows"]}
    lines.append("| defaults | " + " | ".join(f"\\${base[n]:,.0f}" for n in names) + " |")
    for c in table["sensitivity"]:
        lines.append(f"| {_esc(c['case'])} | " + " | ".join(f"\\${c['usd'][n]:,.0f}" for n in names) + " |")
    return "\n".join(lines)


def revolutionary_markdown(rev: dict, png: str) -> str:
    """The revolutionary part of the section: the model, the tables for the dense model and its MoE variant, and
    the chart."""
    dense, moe = rev["dense"], rev["moe"]
    return f"""
### The revolutionary scenario: training a GPT-3-class model on analog arrays
{dense["model"]} ({dense["n_params"] / 1e9:.0f}B parameters, {dense["n_tokens"] / 1e9:.0f}B tokens), every
operation of a training token counted from the model's shapes (`analogsim.roadmap.analog_run`): the fully
connected matrices on 256x256 arrays (HERMES's cores, 64 per chip): a forward read, a backward read through the
transpose and an in-situ pulsed update per token, with the pulses per weight per token measured by this library's
in-situ optimizers on the digits MLP (Tiki-Taka v2 for PCM and ReRAM, analog SGD for ECRAM and capacitors, and
Tiki-Taka's transfer reads); attention (`Q K^T`, `A V` and their four backward products, which 6PT leaves out) on
gain-cell arrays written at run time, priced with the **uncalibrated** gain-cell table in every analog row; the
digital remainder (layer norms, softmaxes, GeLU, residuals, biases, embeddings, router, Adam on the digital
parameters) counted op by op at Horowitz 2014's energies; the activations held for the backward pass through
HBM. Time: every layer is a pipeline stage; a matrix's forward, backward and update share its arrays and add up,
attention, digital units and HBM work alongside, and tokens leave at one per the busiest unit (in-situ updates
apply per token, so the pipeline fills once). The GPU row is one GPU type throughout: the A100's 400 W with the
paper's 150 TFLOP/s sustained, on 1024 GPUs. Dollars are electricity plus hardware-hours, both explicit
parameters (the sensitivity table changes one at a time). The accuracy penalty is digital SGD minus the in-situ
run's test accuracy on the digits MLP (8 epochs, 1 seed; negative: the analog run did better): a measurement of
this library on a small MLP, not a prediction for GPT-3. ReRAM, ECRAM and CMOS rows read through uncalibrated
tables (no periphery): their energies are lower bounds. Writes per cell count every pulse as one endurance cycle.

{summary_markdown(dense)}

What each component counts: {"; ".join(f"*{_LABELS[k]}*: {_esc(v)}" for k, v in dense["counted"].items())}.

Energy by component (MWh):

{breakdown_markdown(dense, "energy_j", 3.6e9, "MWh")}

Busy time by component (days; the fully connected parts add, the others run alongside; the total is the wall
time):

{breakdown_markdown(dense, "time_s", 86400.0, "days")}

Dollars with one assumption changed:

{sensitivity_markdown(dense)}

{moe["model"]} ({moe["n_params"] / 1e9:.0f}B parameters; each token passes one expert, so the work per token is
the dense model's, the feed-forward arrays grow 8-fold and each expert's cells see 1/8 of the tokens):

{summary_markdown(moe)}

![revolutionary]({png})
"""
