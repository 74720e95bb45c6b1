"""The GPU baseline of the analog training model and the table "training a GPT-3-class model": GPU, analog PCM,
ReRAM, ECRAM and CMOS rows with energy, time, dollars, writes per cell against endurance and the measured accuracy
penalty, and a sensitivity block for the price and pulse-rate assumptions."""

from __future__ import annotations

import dataclasses

import equinox as eqx

from .. import cost as _cost
from ._analog_training import (
    TRAINING_COMPONENTS,
    USD_PER_KWH,
    AnalogSystem,
    TrainingEstimate,
    analog_run,
    attention_mvms,
    digital_op_j,
)
from ._arrays import _pos
from ._gpt3 import TransformerShape, gpt3, gpt3_moe
from ._paper import FLOPS_PER_GPU, USD_PER_GPU_HOUR
from ._projection import CLOUD_OVER_GPU
from ._training_devices import TrainingDevice, training_devices

GPU_POWER_W = float(_cost.a100().power_w)
"""GPU power while training (W): the A100 SXM board power of `analogsim.cost.a100` (400 W, NVIDIA datasheet), the
GPU whose sustained rate (`FLOPS_PER_GPU`, 150 TFLOP/s) the paper's Table 3 gives."""


class GPUBaseline(eqx.Module):
    """One GPU type for the whole baseline: its power, its sustained training rate and its price.

    **Arguments:**

    - `name`: label.
    - `flops_per_s`: sustained training throughput per GPU (default the paper's 150 TFLOP/s for A100, Table 3).
    - `power_w`: board power while training (default 400 W, A100 SXM datasheet).
    - `n_gpus`: GPUs of the run (default 1024, the A100 count of Narayanan et al., "Efficient large-scale language
      model training on GPU clusters using Megatron-LM", SC 2021, for GPT-3 175B).
    - `usd_per_gpu_hour`: hardware price of a GPU-hour (default the paper's \\$2.5 cloud price over the
      cloud-to-GPU ratio 4.8 of its own dollar figures: \\$0.52).
    - `usd_per_kwh`: electricity price.
    """

    name: str = eqx.field(static=True, default="GPU (A100)")
    flops_per_s: float = FLOPS_PER_GPU
    power_w: float = GPU_POWER_W
    n_gpus: float = 1024.0
    usd_per_gpu_hour: float = USD_PER_GPU_HOUR / CLOUD_OVER_GPU
    usd_per_kwh: float = USD_PER_KWH

    def __check_init__(self):
        for f in ("flops_per_s", "power_w", "n_gpus"):
            _pos(f, getattr(self, f))
        _pos("usd_per_gpu_hour", self.usd_per_gpu_hour, allow_zero=True)
        _pos("usd_per_kwh", self.usd_per_kwh, allow_zero=True)


def model_flops(shape: TransformerShape) -> dict:
    """Training FLOPs of `shape` by component: `forward` (2 per multiply-accumulate of every fully connected
    matrix a token passes, times the tokens), `backward` (twice the forward: the input and weight gradients) and
    `attention` (the six attention products of `attention_mvms`: forward and backward)."""
    t = float(shape.n_tokens)
    fwd = 2.0 * t * sum(m.per_token * m.shape[0] * m.shape[1] for m in shape.fc_matrices())
    att_macs = sum(m.counts.macs for m in attention_mvms(shape, AnalogSystem()))
    att = 2.0 * att_macs * shape.n_layers * shape.n_heads / shape.seq_len * t
    return {"forward": fwd, "backward": 2.0 * fwd, "attention": att}


def gpu_run(shape: TransformerShape, gpu: GPUBaseline | None = None) -> TrainingEstimate:
    """The same run on `gpu.n_gpus` GPUs: time `FLOPs / (flops_per_s n_gpus)` per component of `model_flops`,
    energy `power_w n_gpus time`. The sustained rate is measured on whole training steps, so the update,
    digital and data-movement work is inside it (those components are 0); failures are left out, as for the
    analog rows."""
    gpu = GPUBaseline() if gpu is None else gpu
    flops = model_flops(shape)
    rate = float(gpu.flops_per_s) * float(gpu.n_gpus)
    time_s = {k: flops.get(k, 0.0) / rate for k in TRAINING_COMPONENTS}
    energy = {k: v * float(gpu.power_w) * float(gpu.n_gpus) for k, v in time_s.items()}
    wall = sum(time_s.values())
    return TrainingEstimate(
        name=gpu.name, technology=f"{gpu.flops_per_s / 1e12:g} TFLOP/s sustained, {gpu.power_w:g} W",
        calibrated=True, energy_j=energy, time_s=time_s, wall_s=wall, bottleneck="compute",
        devices=float(gpu.n_gpus), arrays=0.0, writes_per_cell=0.0, endurance=(float("inf"), float("inf")),
        endurance_status="no wear-out", usd={"electricity": sum(energy.values()) / 3.6e6 * gpu.usd_per_kwh,
                                             "hardware": float(gpu.n_gpus) * wall / 3600.0 * gpu.usd_per_gpu_hour},
        accuracy_penalty_pt=0.0, accuracy_source="the digital reference",
        sources={"flops_per_s": "the paper's Table 3 (A100, sustained)", "power_w": "NVIDIA A100 SXM datasheet",
                 "n_gpus": "Narayanan et al., SC 2021 (GPT-3 175B on 1024 A100s)",
                 "usd_per_gpu_hour": "the paper's $2.5 cloud GPU-hour over its cloud/GPU ratio 4.8"},
    )


TRAINING_COUNTED = {
    "forward": "per token, one read of every fully connected matrix it passes (`count_mvm((out, in))`)",
    "backward": "per token, one read of every such matrix through its transpose (`count_mvm((in, out))`)",
    "update": "per token and matrix, the measured pulses per weight x out x in, one pulse-train driver per row and "
    "column, Tiki-Taka's one-hot transfer reads (`count_mvm((out, 1))`) and their digital filter",
    "attention": "per head and sequence, the six gain-cell products of `attention_mvms` (their rows written once "
    "per token), over seq_len tokens",
    "digital": "per token, `TransformerShape.digital_ops()` op by op, priced by `digital_op_j`",
    "data_movement": "per token, `TransformerShape.stash_values()` bytes written to and read from HBM",
}
"""What each component of the analog rows counts (the GPU rows: the FLOPs of `model_flops` at the sustained
rate)."""


def _rows(shape, devices, system, gpu) -> list[TrainingEstimate]:
    return [gpu_run(shape, gpu), *(analog_run(shape, d, system) for d in devices)]


def _sensitivity(shape, devices, system, gpu) -> list[dict]:
    """Total dollars of every row with one assumption changed at a time."""
    rep = dataclasses.replace
    scaled = tuple(rep(d, pulses_per_token=tuple(0.1 * r for r in d.pulses_per_token)) for d in devices)
    cases = [
        ("electricity x0.5", devices, rep(system, usd_per_kwh=system.usd_per_kwh * 0.5),
         rep(gpu, usd_per_kwh=gpu.usd_per_kwh * 0.5)),
        ("electricity x2", devices, rep(system, usd_per_kwh=system.usd_per_kwh * 2),
         rep(gpu, usd_per_kwh=gpu.usd_per_kwh * 2)),
        ("hardware per hour x10", devices, rep(system, usd_per_chip_hour=system.usd_per_chip_hour * 10),
         rep(gpu, usd_per_gpu_hour=gpu.usd_per_gpu_hour * 10)),
        ("GPU at the cloud price ($2.5/h)", devices, system, rep(gpu, usd_per_gpu_hour=USD_PER_GPU_HOUR)),
        ("pulses per token x0.1", scaled, system, gpu),
    ]
    out = []
    for case, devs, sys_, gpu_ in cases:
        rows = _rows(shape, devs, sys_, gpu_)
        out.append({"case": case, "usd": {r.name: r.total_usd for r in rows},
                    "endurance_status": {r.name: r.endurance_status for r in rows}})
    return out


def training_table(
    shape: TransformerShape | None = None,
    devices: tuple[TrainingDevice, ...] | None = None,
    system: AnalogSystem | None = None,
    gpu: GPUBaseline | None = None,
) -> dict:
    """The table "training a GPT-3-class model": one row per system, energy and time by component, dollars,
    writes per cell against endurance and the accuracy penalty of the library's in-situ runs; and the
    sensitivity of the dollars to the price and pulse-rate assumptions.

    **Arguments:**

    - `shape`: the model (default `gpt3()`).
    - `devices`: the analog rows (default `training_devices()`: PCM, ReRAM, ECRAM, analog CMOS).
    - `system`: the `AnalogSystem` (default `AnalogSystem()`).
    - `gpu`: the `GPUBaseline` (default `GPUBaseline()`).

    **Returns:**

    `{"model", "n_params", "n_tokens", "flops", "counted" (`TRAINING_COUNTED`), "digital_ops_per_token" (op by op, with
    joules), "stash_values_per_token", "rows": [TrainingEstimate.as_dict()], "sensitivity": [{"case", "usd":
    {row: dollars}, "endurance_status": {row: status}}]}`.
    """
    shape = gpt3() if shape is None else shape
    devices = training_devices() if devices is None else tuple(devices)
    system = AnalogSystem() if system is None else system
    gpu = GPUBaseline() if gpu is None else gpu
    return {
        "model": shape.name,
        "n_params": shape.n_params,
        "n_tokens": float(shape.n_tokens),
        "flops": model_flops(shape),
        "counted": TRAINING_COUNTED,
        "digital_ops_per_token": [
            {"op": op, "pass": pass_, "adds": a, "multiplies": m, "special": sp, "j": digital_op_j(a, m, sp)}
            for (op, pass_), (a, m, sp) in shape.digital_ops().items()
        ],
        "stash_values_per_token": shape.stash_values(),
        "rows": [r.as_dict() for r in _rows(shape, devices, system, gpu)],
        "sensitivity": _sensitivity(shape, devices, system, gpu),
    }


def revolutionary_data() -> dict:
    """The table for GPT-3 175B dense and its 8-expert MoE variant: `{"dense": ..., "moe": ...}`."""
    return {"dense": training_table(gpt3()), "moe": training_table(gpt3_moe(8))}
