"""The hardware configuration of a crossbar array: device, converters, tiling, mapping and array non-idealities."""

from __future__ import annotations

import equinox as eqx
import jax

from ._converters import ADC, DAC
from ._nonideal import IRDrop, ReadNoise, StuckAt
from .devices import PCM, AbstractDevice, Ideal

_MAPPINGS = ("per_column", "global")
_DRIFT_REFERENCES = ("one_hot", "all_ones")


class CrossbarConfig(eqx.Module):
    """Everything about the hardware an array is programmed on.

    Weights use a differential pair per weight: `w > 0` is stored in `G+`, `w < 0` in `G-`, the other cell is at
    `g_min`.

    **Arguments:**

    - `device`: the memory device (`analogsim.devices.PCM()`, `ReRAM()`, `Ideal()`...).
    - `dac`: input converter (one per row).
    - `adc`: output converter (one per column per tile).
    - `tile`: `(rows, cols)` of one physical array: at most `rows` inputs and `cols` outputs per tile. Larger
      matrices are split; each tile's partial sums go through its own ADC and are summed digitally. A tile larger
      than the matrix is fine (one partially used tile).
    - `mapping`: how weights are scaled to conductances: `"per_column"` (each output's max `|w|` maps to `g_max`, a
      digital scale per column undoes it) or `"global"` (one scale for the whole matrix).
    - `read_noise`: per-MVM weight read noise (`analogsim.ReadNoise`) or None.
    - `faults`: stuck-at faults (`analogsim.StuckAt`) or None.
    - `ir_drop`: first-order IR-drop model (`analogsim.IRDrop`) or None.
    - `drift_compensation`: global drift compensation (aihwkit's `GlobalDriftCompensation`): right after
      programming and at each `at(t)` the array is read with reference inputs, and the outputs are scaled digitally
      by `mean|y_ref(0)| / mean|y_ref(t)|`.
    - `drift_reference`: the reference read of drift compensation. `"one_hot"` (aihwkit's: `get_readout_tensor`
      is the identity) reads the programmed array through its DAC, read noise and ADC with one one-hot input per
      row, each tile on its own, and averages `|y|` over every cell read; `"all_ones"` reads the effective weights
      (no converters, no per-MVM noise) with one all-ones input and averages `|y|` over the outputs, which is
      cheaper but scatters more, since positive and negative weights of a column cancel in its sum.
    """

    device: AbstractDevice = eqx.field(default_factory=PCM)
    dac: DAC = eqx.field(default_factory=DAC)
    adc: ADC = eqx.field(default_factory=ADC)
    tile: tuple[int, int] = eqx.field(static=True, default=(512, 512))
    mapping: str = eqx.field(static=True, default="per_column")
    read_noise: ReadNoise | None = None
    faults: StuckAt | None = None
    ir_drop: IRDrop | None = None
    drift_compensation: bool = eqx.field(static=True, default=False)
    drift_reference: str = eqx.field(static=True, default="one_hot")

    def __check_init__(self):
        if not isinstance(self.device, AbstractDevice):
            raise ValueError(f"device must be an analogsim.devices device, got {type(self.device).__name__}")
        if not isinstance(self.dac, DAC):
            raise ValueError(f"dac must be an analogsim.DAC, got {type(self.dac).__name__}")
        if not isinstance(self.adc, ADC):
            raise ValueError(f"adc must be an analogsim.ADC, got {type(self.adc).__name__}")
        tile = self.tile
        if (
            not isinstance(tile, tuple)
            or len(tile) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in tile)
        ):
            raise ValueError(f"tile must be a (rows, cols) tuple of positive ints, got {tile!r}")
        if self.mapping not in _MAPPINGS:
            raise ValueError(f"mapping must be one of {_MAPPINGS}, got {self.mapping!r}")
        for name, cls in (("read_noise", ReadNoise), ("faults", StuckAt), ("ir_drop", IRDrop)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, cls):
                raise ValueError(
                    f"{name} must be an analogsim.{cls.__name__} or None, got {type(value).__name__}"
                )
        if not isinstance(self.drift_compensation, bool):
            raise ValueError(f"drift_compensation must be a bool, got {self.drift_compensation!r}")
        if self.drift_reference not in _DRIFT_REFERENCES:
            raise ValueError(f"drift_reference must be one of {_DRIFT_REFERENCES}, got {self.drift_reference!r}")

    @classmethod
    def ideal(cls, tile: tuple[int, int] = (512, 512), mapping: str = "per_column") -> CrossbarConfig:
        """No device noise, no quantization, no clipping: `program(W, cfg)(x) == W @ x` to float32 rounding.

        **Arguments:**

        - `tile`: `(rows, cols)` of one physical array.
        - `mapping`: `"per_column"` or `"global"` (see `CrossbarConfig`).
        """
        return cls(
            device=Ideal(),
            dac=DAC(bits=None, bound=None),
            adc=ADC(bits=None, bound=None),
            tile=tuple(tile),
            mapping=mapping,
        )

    @classmethod
    def pcm_8bit(
        cls,
        *,
        tile: tuple[int, int] = (512, 512),
        drift_compensation: bool = False,
        adc_noise_std: float | jax.Array | None = None,
        read_noise: ReadNoise | None = None,
    ) -> CrossbarConfig:
        """PCM (aihwkit's statistical model, `analogsim.devices.PCM()`) read through an 8-bit DAC (full scale 1, inputs
        scaled by their max) and an 8-bit ADC (bound 12, aihwkit's default `out_bound`), per-column weight scaling:
        the analog inference hardware of Joshi et al., Nature Communications 11, 2473 (2020). Tweak other fields
        with `eqx.tree_at` or `dataclasses.replace`.

        **Arguments:**

        - `tile`: `(rows, cols)` of one physical array.
        - `drift_compensation`: global drift compensation (see `CrossbarConfig`).
        - `adc_noise_std`: output noise of the ADC in normalized units (`ADC.noise_std`), or None.
        - `read_noise`: per-MVM read noise (`analogsim.ReadNoise`), or None.
        """
        return cls(
            device=PCM(),
            dac=DAC(bits=8),
            adc=ADC(bits=8, noise_std=adc_noise_std),
            tile=tuple(tile),
            drift_compensation=drift_compensation,
            read_noise=read_noise,
        )

    @property
    def stochastic_program(self) -> bool:
        """Whether programming draws random numbers (a noisy device or stuck-at faults): `program` needs a key."""
        return self.device.stochastic or self.faults is not None

    @property
    def stochastic_mvm(self) -> bool:
        """Whether each MVM draws random numbers (read noise or ADC noise): calling the array needs a key."""
        return self.read_noise is not None or self.adc.noise_std is not None
