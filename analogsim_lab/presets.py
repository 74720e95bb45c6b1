"""The analog hardware the lab's workloads, benchmark and report run on, defined once."""

from __future__ import annotations

from analogsim import ADC, DAC, CrossbarConfig, ReadNoise


def pcm_8bit(
    *,
    drift_compensation: bool = False,
    read_noise_std: float | None = None,
    read_noise_kind: str = "additive",
    adc_noise_std: float | None = None,
) -> CrossbarConfig:
    """`analogsim.CrossbarConfig.pcm_8bit` (IBM aihwkit's statistical PCM model, 8-bit DAC, 8-bit ADC with bound 12,
    512 x 512 tiles, per-column weight scaling) with the read noise given as a std and a kind, as the lab's
    workloads, benchmark and report sections use it.

    Swap the device with `eqx.tree_at(lambda c: c.device, cfg, ReRAM())` to compare devices behind the same
    converters.

    **Arguments:**

    - `drift_compensation`: global drift compensation (see `analogsim.CrossbarConfig`).
    - `read_noise_std`: per-MVM weight read noise (`analogsim.ReadNoise`), in units of the conductance range;
        `None` for none.
    - `read_noise_kind`: `"additive"` (the same std for every weight) or `"proportional"` (variance grows with
        `|w|`); used only with `read_noise_std`.
    - `adc_noise_std`: Gaussian noise on each tile output before conversion, in the ADC's normalized units; `None`
        for none.

    **Returns:**

    The `analogsim.CrossbarConfig`.
    """
    # Built either way, so that a wrong `read_noise_kind` is refused even without read noise.
    noise = ReadNoise(0.0 if read_noise_std is None else read_noise_std, kind=read_noise_kind)
    return CrossbarConfig.pcm_8bit(
        drift_compensation=drift_compensation,
        adc_noise_std=adc_noise_std,
        read_noise=None if read_noise_std is None else noise,
    )


def hermes_tile(*, adc_bits: int = 8) -> CrossbarConfig:
    """The array `analogsim.cost` prices: 256 x 256 tiles (IBM HERMES, Le Gallo et al., Nature Electronics 2023)
    with an 8-bit DAC and an `adc_bits` ADC, on the default (PCM) device.

    **Arguments:**

    - `adc_bits`: ADC resolution in bits.

    **Returns:**

    The `analogsim.CrossbarConfig`.
    """
    return CrossbarConfig(dac=DAC(bits=8), adc=ADC(bits=adc_bits), tile=(256, 256))
