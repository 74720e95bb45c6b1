"""The paper's revolutionary scenario (Sec. 4.1, analog in-memory computing), priced: the same training run with
its matrix products on analog arrays, costed by `analogsim.cost` (DAC, array, ADC, tile sums, periphery, weight
updates) plus data movement, against the GPU baseline of the framework."""

from __future__ import annotations

import math

import equinox as eqx

from .. import cost as _cost
from .._config import CrossbarConfig
from .._converters import ADC, DAC
from .._validate import check_int
from ._arrays import _pos
from ._compute import moe_flops
from ._paper import FLOPS_PER_GPU, TOKENS_PER_PARAM, USD_PER_GPU_HOUR

GPU_POWER_W = float(_cost.a100().power_w)
"""GPU power while training (W): the A100 SXM board power of `analogsim.cost.a100` (400 W, NVIDIA datasheet), the
GPU whose sustained rate (`FLOPS_PER_GPU`, 150 TFLOP/s) and price (`USD_PER_GPU_HOUR`) the paper's Table 3 gives,
so one baseline GPU-hour is 0.4 kWh and 150 TFLOP/s x 3600 s of work."""
HBM_PJ_PER_BYTE = 3.9 * 8
"""HBM2 access energy, about 3.9 pJ/bit (O'Connor et al., "Fine-grained DRAM", MICRO 2017)."""


class AnalogTraining(eqx.Module):
    """Energy and cost of a training run with its matrix products on analog IMC (see `analog_training`)."""

    flops: float
    """Training compute (FLOP)."""
    analog_j: dict
    """Analog energy (J) by component: the `analogsim.cost.COMPONENTS`, plus `"weight_update"` and
    `"data_movement"`."""
    digital_j: float
    """Energy of the FLOPs left on GPUs."""
    gpu_baseline_j: float
    """All FLOPs on GPUs at the framework's sustained rate and the GPU power."""
    joules_per_op: float
    """Analog energy per matrix-product operation (ADC, periphery and tile sums included)."""

    @property
    def total_j(self) -> float:
        """Analog plus digital energy (J)."""
        return float(sum(self.analog_j.values()) + self.digital_j)

    @property
    def energy_ratio(self) -> float:
        """Total energy of the analog run over the all-GPU run (< 1: analog saves)."""
        return self.total_j / self.gpu_baseline_j

    def cost_usd(self, usd_per_gpu_hour: float = USD_PER_GPU_HOUR, gpu_power_w: float = GPU_POWER_W) -> float:
        """Cost under the assumption that hardware is paid per joule at the GPU's rate (`price / (power x 1 h)`:
        $2.5 per 0.4 kWh), i.e. an analog system costs as much per watt as a GPU system."""
        return self.total_j / (gpu_power_w * 3600.0) * usd_per_gpu_hour

    def as_dict(self) -> dict:
        """The fields, `total_j`, `energy_ratio` and the default `cost_usd()` as a JSON-serializable dict."""
        return {
            "flops": self.flops,
            "analog_j": {k: float(v) for k, v in self.analog_j.items()},
            "digital_j": self.digital_j,
            "total_j": self.total_j,
            "gpu_baseline_j": self.gpu_baseline_j,
            "energy_ratio": self.energy_ratio,
            "joules_per_op": self.joules_per_op,
            "cost_usd": self.cost_usd(),
        }


def _weight_update_j(n_params: float, tokens_per_batch, cells_per_param, tech: _cost.Technology) -> float:
    """Energy (J) of rewriting `cells_per_param` cells per parameter at every optimizer step of
    `tokens_per_batch` tokens, over the `TOKENS_PER_PARAM * P` training tokens."""
    steps = TOKENS_PER_PARAM * n_params / _pos("tokens_per_batch", tokens_per_batch)
    return (
        steps
        * n_params
        * _pos("update_cells_per_param", cells_per_param)
        * float(tech.e_cell_write_fj)
        * 1e-15
    )


def analog_training(
    n_params,
    *,
    n_experts: int = 1,
    d_model: int = 12288,
    tech: _cost.Technology | None = None,
    tile: tuple[int, int] = (256, 256),
    bits: int = 8,
    digital_fraction: float = 0.05,
    tokens_per_batch: float = 4e6,
    update_cells_per_param: float = 2.0,
    flops_per_gpu: float = FLOPS_PER_GPU,
    gpu_power_w: float = GPU_POWER_W,
    bytes_per_value: float = 1.0,
) -> AnalogTraining:
    """Price the training of `n_params` (compute `120 P^2 / K`) with `1 - digital_fraction` of its FLOPs as
    analog MVMs: the paper's revolutionary roadmap (Sec. 4.1), priced by counted operations.

    Model (assumptions ours, stated so they can be changed):

    - the analog work is MVMs of a `d_model x d_model` matrix (default 12,288, GPT-3's width) on `tile` tiles with
      `bits`-bit DAC and ADC, priced per operation by `analogsim.cost.price` (periphery, ADC and tile sums
      included) on `tech` (default the HERMES-calibrated PCM table);
    - data movement: every MVM's input and output vectors (`2 d_model` values of `bytes_per_value`) go through
      HBM once (activations kept for the backward pass) at 3.9 pJ/bit;
    - weight updates: every optimizer step (`tokens_per_batch` tokens; 4 M, about GPT-3's 3.2 M batch) rewrites
      `update_cells_per_param` cells per parameter at the table's cell-write energy;
    - `digital_fraction` of the FLOPs (norms, softmax, optimizer arithmetic) stay on GPUs at `flops_per_gpu` and
      `gpu_power_w`.

    Training on analog arrays also needs gradient precision and update linearity that today's devices do not
    have; this prices the energy only, as the paper's revolutionary path posits.

    **Arguments:**

    - `n_params`: parameters `P`.
    - `n_experts`: mixture-of-experts experts `K`.
    - `d_model`: side of the analog matrix of one MVM.
    - `tech`: the `analogsim.cost.Technology` (default `analogsim.cost.pcm_hermes()`).
    - `tile`: (rows, cols) of one array.
    - `bits`: DAC and ADC resolution.
    - `digital_fraction`: fraction of the FLOPs left on GPUs, in [0, 1].
    - `tokens_per_batch`: tokens per optimizer step.
    - `update_cells_per_param`: cells rewritten per parameter per optimizer step.
    - `flops_per_gpu`: sustained GPU rate (FLOP/s) for the digital part and the baseline.
    - `gpu_power_w`: GPU power (W) for the digital part and the baseline.
    - `bytes_per_value`: bytes of one activation moved through HBM.

    **Returns:**

    An `AnalogTraining`.
    """
    tech = _cost.pcm_hermes() if tech is None else tech
    frac = float(digital_fraction)
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"digital_fraction must be in [0, 1], got {digital_fraction!r}")
    check_int(d_model, "d_model", minimum=1)
    p = float(_pos("n_params", n_params))
    c = float(moe_flops(p, n_experts))
    cfg = CrossbarConfig(dac=DAC(bits=bits), adc=ADC(bits=bits), tile=tuple(tile))
    mvm = _cost.price(_cost.count_mvm((d_model, d_model), cfg, batch=1), tech)
    analog_ops = c * (1.0 - frac)
    n_mvm = analog_ops / mvm.ops
    analog = {k: v * n_mvm for k, v in mvm.energy_j.items()}
    analog["data_movement"] = (
        n_mvm * 2 * d_model * _pos("bytes_per_value", bytes_per_value) * HBM_PJ_PER_BYTE * 1e-12
    )
    analog["weight_update"] = _weight_update_j(p, tokens_per_batch, update_cells_per_param, tech)
    j_per_flop_gpu = _pos("gpu_power_w", gpu_power_w) / _pos("flops_per_gpu", flops_per_gpu)
    return AnalogTraining(
        flops=c,
        analog_j=analog,
        digital_j=c * frac * j_per_flop_gpu,
        gpu_baseline_j=c * j_per_flop_gpu,
        joules_per_op=mvm.total_j / mvm.ops,
    )


def energy_kwh(joules: float) -> float:
    """Joules to kWh."""
    if not math.isfinite(joules) or joules < 0:
        raise ValueError(f"joules must be finite and >= 0, got {joules!r}")
    return joules / 3.6e6
