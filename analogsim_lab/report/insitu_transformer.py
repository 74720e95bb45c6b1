"""Report section: the tiny transformer with every linear layer trained in situ on pulsed arrays, against digital
training (validation perplexity, pulses per weight, energy)."""

from __future__ import annotations

from ..workloads.insitu_transformer import insitu_transformer
from .context import Context, SectionResult

EPOCHS = {True: 1, False: 3}
"""Epochs of both runs by quick mode: the quick model and corpus (`transformer_sizes(True)`) in both modes, to keep
the full section within a few minutes on a laptop; `examples/insitu_transformer.py` runs the full-size model."""


def insitu_transformer_compute(ctx: Context, **overrides) -> dict:
    """Train the digital and in-situ transformers (`insitu_transformer`'s default device and optimizer: ECRAM, mixed
    precision with Adam in the digital unit); `overrides` go to `insitu_transformer`
    (tests shrink the model and corpus)."""
    kw = dict(quick=True, seed=ctx.seed, epochs=EPOCHS[ctx.quick], progress=ctx.progress)
    return insitu_transformer(**{**kw, **overrides})


def insitu_transformer_markdown(fig: dict) -> str:
    """The section's Markdown: one table row per run."""
    sz = fig["sizes"]
    return "\n".join([
        f"Tiny transformer (d_model {sz['d_model']}, {sz['num_layers']} block(s), context {sz['seq']}), "
        f"{fig['epochs']} epoch(s) ({fig['steps']} steps of batch 32) for both runs from the same initial weights. "
        f"Digital: {fig['digital_optimizer']}. In situ: every linear layer (attention projections, MLP, head) on "
        f"{fig['device']} arrays trained by {fig['optimizer']} (lr {fig['lr']:g}), read through a 7-bit DAC, output "
        "noise and a 9-bit ADC; embeddings, LayerNorms and biases with the digital recipe in the same step. "
        "The float twin runs the in-situ recipe without the hardware. "
        "Energy: pulses and conversions (`analogsim.cost.price_insitu`).", "",
        "| run | validation perplexity | ratio | pulses per weight | most-pulsed cell | energy |",
        "|---|---|---|---|---|---|",
        f"| digital | {fig['digital_ppl']:.3f} | 1 | | | |",
        f"| float twin ({fig['optimizer']}'s rule, lr {fig['lr']:g}, on the linear weights) | {fig['twin_ppl']:.3f} | "
        f"{fig['twin_ppl'] / fig['digital_ppl']:.3f} | | | |",
        f"| in situ ({fig['device']}, {fig['optimizer']}) | {fig['insitu_ppl']:.3f} | {fig['ratio']:.3f} | "
        f"{fig['pulses_per_weight']:.1f} | {fig['max_pulses_per_cell']} | {fig['energy_j']:.3g} J |",
    ])


def insitu_transformer_section(ctx: Context) -> SectionResult:
    """The tiny transformer trained in situ: compute, Markdown."""
    fig = insitu_transformer_compute(ctx)
    return SectionResult("Tiny transformer trained in situ", insitu_transformer_markdown(fig), fig)
