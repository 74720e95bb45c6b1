"""The HERMES operating point: the published chip figures the PCM table is calibrated to, and the cell-read
energy derived from the operating point (Le Gallo et al., "A 64-core mixed-signal in-memory compute chip based on
phase-change memory for deep neural network inference", Nature Electronics 6, 680 (2023))."""

from __future__ import annotations

from ._check import _positive

# --- --------------------------------------------------------------------------------------------
HERMES_TILE = (256, 256)
"""Unit cells of one HERMES core (rows, cols). Le Gallo et al., Nature Electronics 2023."""
HERMES_OPS_PER_MVM = 2 * HERMES_TILE[0] * HERMES_TILE[1]
"""Operations of one full-core MVM: 2 per multiply-accumulate."""
HERMES_TOPS_PER_W = 9.76
"""One-phase read mode, 8-bit I/O. Le Gallo et al., Nature Electronics 2023."""
HERMES_TOPS = 63.1
"""Peak throughput of the 64 cores, one-phase read mode. Le Gallo et al., Nature Electronics 2023."""
HERMES_CORES = 64
"""Cores of the HERMES chip. Le Gallo et al., Nature Electronics 2023."""
HERMES_MVM_ENERGY_PJ = HERMES_OPS_PER_MVM / (HERMES_TOPS_PER_W * 1e12) * 1e12
"""13,429 pJ: one 256x256 8-bit MVM on one core."""
HERMES_MVM_TIME_S = HERMES_OPS_PER_MVM / (HERMES_TOPS * 1e12 / HERMES_CORES)
"""133 ns: one 256x256 MVM on one core at the published peak throughput."""
HERMES_PWM_SLOT_S = 1.0e-9
"""PWM slot (s): assumed 1 ns, so the 127 slots of an 8-bit input take 127 ns of HERMES's 133 ns per MVM."""
HERMES_READ_V = 0.2
"""Read voltage across a cell (V): assumed, a sub-threshold PCM read (HERMES reads below 0.3 V)."""
PCM_G_MAX_US = 25.0
"""Largest conductance of a PCM cell (uS): the aihwkit PCM statistical model that `analogsim.devices.PCM` uses."""
MEAN_ABS_WEIGHT = 0.3
"""Mean `|w| / w_max` of a trained layer's weights: assumed (bell-shaped weights clipped at about 3 sigma)."""
MEAN_INPUT = 0.3
"""Mean `|x| / x_max` of an MVM input (the PWM duty cycle): assumed, as `MEAN_ABS_WEIGHT`."""


def pcm_cell_read_fj(
    g_max_us: float = PCM_G_MAX_US,
    v_read: float = HERMES_READ_V,
    window_s: float = 127 * HERMES_PWM_SLOT_S,
    *,
    mean_abs_weight: float = MEAN_ABS_WEIGHT,
    mean_input: float = MEAN_INPUT,
) -> float:
    """Mean energy (fJ) of one cell of a differential pair during one PWM MVM: `g V^2 t`.

    A weight `w` sits on a pair (`g+ = g_max max(w, 0)`, `g- = g_max max(-w, 0)`), so one cell of the pair carries
    `|w|` and the other nothing: the mean cell conductance is `g_max * mean|w| / 2`. The input's PWM pulse lasts
    `window * |x|`. At the HERMES operating point (25 uS, 0.2 V, 127 ns, 0.3 and 0.3): `25e-6 * 0.2^2 * 127e-9 *
    0.15 * 0.3 = 5.7 fJ`.

    **Arguments:**

    - `g_max_us`: largest cell conductance (uS).
    - `v_read`: read voltage across the cell (V).
    - `window_s`: PWM input window of a full-scale input (s).
    - `mean_abs_weight`: mean `|w| / w_max`.
    - `mean_input`: mean `|x| / x_max`.

    **Returns:**

    The energy in fJ.
    """
    g = _positive("g_max_us", g_max_us) * 1e-6 * _positive("mean_abs_weight", mean_abs_weight) / 2.0
    t = _positive("window_s", window_s) * _positive("mean_input", mean_input)
    return g * _positive("v_read", v_read) ** 2 * t * 1e15
