"""Digital baselines priced per FLOP and per byte moved: roofline time `max(FLOPs / rate, bytes / bandwidth)` and
energy `power * time` (the board draws its rated power while busy: an upper-end assumption for GPUs)."""

from __future__ import annotations

import os

import equinox as eqx
import jax
import jax.numpy as jnp

from .._timing import median_time
from .._validate import check_int
from ._check import _positive

CPU_POWER_W = 65.0
"""The package power assumed for this machine's CPU wherever a measured CPU time is turned into joules (the digital
baselines of the cost model, the k-SAT benchmark, the EBM sampler). Not measurable from user space portably: 65 W is
a common desktop package TDP, an assumption; pass your own figure where a function takes `power_w`."""


class DigitalDevice(eqx.Module):
    """A digital processor for the roofline model. Presets: `a100`, `h100`, `h200`, `measure_cpu`.

    **Arguments:**

    - `name`: label.
    - `flops_per_s`: dense matrix-multiply rate (FLOP/s) at the baseline precision.
    - `bytes_per_s`: memory bandwidth (B/s).
    - `power_w`: power while busy (W).
    - `bytes_per_element`: bytes per weight/activation at that precision (2 for bf16).
    - `sources`: `(field, source)` pairs.
    """

    name: str = eqx.field(static=True)
    flops_per_s: float
    bytes_per_s: float
    power_w: float
    bytes_per_element: int = eqx.field(static=True, default=2)
    sources: tuple[tuple[str, str], ...] = eqx.field(static=True, default=())

    def __check_init__(self):
        for f in ("flops_per_s", "bytes_per_s", "power_w"):
            _positive(f"DigitalDevice {f}", getattr(self, f))
        check_int(self.bytes_per_element, "bytes_per_element", minimum=1)

    def roofline(self, flops: float, bytes_moved: float) -> tuple[float, str]:
        """Roofline time of `flops` FLOP moving `bytes_moved` bytes.

        **Returns:**

        `(time_s, bound)`: `max(flops / rate, bytes / bandwidth)` and which term wins (`"compute"` or `"memory"`).
        """
        if not (flops >= 0 and bytes_moved >= 0):
            raise ValueError(f"flops and bytes must be >= 0, got {flops!r}, {bytes_moved!r}")
        tc = flops / float(self.flops_per_s)
        tm = bytes_moved / float(self.bytes_per_s)
        return (tc, "compute") if tc >= tm else (tm, "memory")

    def source(self, field: str) -> str:
        """Where the number of `field` comes from (`"not documented"` if the device does not say)."""
        return dict(self.sources).get(field, "not documented")


def a100() -> DigitalDevice:
    """NVIDIA A100 SXM 80 GB: 312 TFLOP/s dense bf16, 2.039 TB/s HBM2e, 400 W (NVIDIA A100 datasheet, 2021)."""
    src = "NVIDIA A100 Tensor Core GPU datasheet (SXM 80GB)"
    return DigitalDevice(
        "A100",
        312e12,
        2.039e12,
        400.0,
        sources=(("flops_per_s", src), ("bytes_per_s", src), ("power_w", src)),
    )


def h100() -> DigitalDevice:
    """NVIDIA H100 SXM: 989 TFLOP/s dense bf16 (1,979 with sparsity), 3.35 TB/s HBM3, 700 W (NVIDIA H100
    datasheet)."""
    src = "NVIDIA H100 Tensor Core GPU datasheet (SXM)"
    return DigitalDevice(
        "H100", 989e12, 3.35e12, 700.0, sources=(("flops_per_s", src), ("bytes_per_s", src), ("power_w", src))
    )


def h200() -> DigitalDevice:
    """NVIDIA H200 SXM: 989 TFLOP/s dense bf16, 4.8 TB/s HBM3e, 700 W (NVIDIA H200 datasheet)."""
    src = "NVIDIA H200 Tensor Core GPU datasheet (SXM)"
    return DigitalDevice(
        "H200", 989e12, 4.8e12, 700.0, sources=(("flops_per_s", src), ("bytes_per_s", src), ("power_w", src))
    )


def measure_cpu(*, power_w: float = CPU_POWER_W, n: int = 512, repeats: int = 5) -> DigitalDevice:
    """This machine's CPU, measured with JAX: the float32 matmul rate of an `n x n` by `n x n` product and the
    bandwidth of a 32 MB array update (read + write), medians of `repeats` warm runs (`analogsim.timing`).

    **Arguments:**

    - `power_w`: the package power (W) while busy; default the assumed `CPU_POWER_W`.
    - `n`: matrix side of the matmul, at least 16.
    - `repeats`: timed runs of each kernel.

    **Returns:**

    A `DigitalDevice` with the measured rates. They depend on the machine load at the time.
    """
    check_int(n, "n", minimum=16)
    check_int(repeats, "repeats", minimum=1)
    a = jnp.ones((n, n), jnp.float32)
    big = jnp.ones((8 * 2**20,), jnp.float32)
    mm = jax.jit(lambda x: x @ x)
    upd = jax.jit(lambda x: x * 1.0001 + 1.0)

    rate = 2.0 * n**3 / median_time(lambda: mm(a), repeats=repeats, warmup=1)
    bw = 2.0 * big.nbytes / median_time(lambda: upd(big), repeats=repeats, warmup=1)
    src = f"measured on this machine ({os.cpu_count()} CPUs) with JAX, float32"
    return DigitalDevice(
        "CPU (measured)",
        rate,
        bw,
        power_w,
        bytes_per_element=4,
        sources=(
            ("flops_per_s", src),
            ("bytes_per_s", src),
            ("power_w", f"assumed {power_w:g} W package power"),
        ),
    )
