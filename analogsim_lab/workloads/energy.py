"""The energy workload: an MLP's matrix products counted on HERMES-like analog tiles (`analogsim.cost`) and priced on
each technology table, against GPUs and this machine's CPU."""

from __future__ import annotations

from analogsim import cost

from ..presets import hermes_tile

MLP_SHAPES = ((4096, 1024), (4096, 4096), (1024, 4096))
"""(out, in) of the layers of the priced MLP (a transformer feed-forward block at d_model 1024, plus a square
layer)."""
ADC_BITS = list(range(2, 13))
"""ADC resolutions of the energy sweep."""


def technologies() -> dict[str, cost.Technology]:
    """The analog technology tables compared, by short name: PCM calibrated to IBM HERMES, a NeuRRAM-like ReRAM and
    a Leroux-like gain cell (sources in each table's `sources`)."""
    return {
        "pcm_hermes": cost.pcm_hermes(),
        "reram_neurram": cost.reram_neurram(),
        "gaincell": cost.gaincell_leroux(),
    }


def digital_devices(quick: bool) -> list:
    """The digital baselines: A100, H100, H200 (datasheets) and this machine's CPU, measured when called (a
    256 x 256 matmul in quick mode, 1024 x 1024 otherwise)."""
    return [cost.a100(), cost.h100(), cost.h200(), cost.measure_cpu(n=256 if quick else 1024)]


def mlp_counts(batch: int, *, label: str = "{out}x{inp}") -> list:
    """The counted operations of each layer of `MLP_SHAPES` for `batch` inputs on `hermes_tile()` arrays.

    **Arguments:**

    - `batch`: input vectors per layer.
    - `label`: each layer's name, formatted with its index `i` and shape `out`, `inp`.

    **Returns:**

    One `analogsim.cost.count_mvm` result per layer.
    """
    return [
        cost.count_mvm(s, hermes_tile(), batch=batch, name=label.format(i=i, out=s[0], inp=s[1]))
        for i, s in enumerate(MLP_SHAPES)
    ]


def adc_sweep(tech: cost.Technology) -> list:
    """One 256 x 256 MVM with an 8-bit DAC priced on `tech` at each of `ADC_BITS`: one `analogsim.cost` price each."""
    return [cost.price(cost.count_mvm((256, 256), hermes_tile(adc_bits=b)), tech) for b in ADC_BITS]
