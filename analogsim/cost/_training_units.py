"""Per-operation energies of the digital and memory work around an analog training step: the digital remainder of
a transformer (norms, softmax, GeLU, residuals, optimizer) priced op by op, and the activation traffic to HBM.

Sources:

- Horowitz2014: M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm, 0.9 V:
  fp32 add 0.9 pJ, fp32 multiply 3.7 pJ, fp16 add 0.4 pJ, fp16 multiply 1.1 pJ; a 64-bit read of an 8 KB SRAM
  10 pJ.
- OConnor2017: M. O'Connor et al., "Fine-grained DRAM: energy-efficient DRAM for extreme bandwidth systems",
  MICRO 2017: HBM2 access energy about 3.9 pJ/bit.
- JESD238: JEDEC HBM3 standard (2022): 6.4 Gb/s per pin over a 1024-bit interface, 819 GB/s per stack.

Figures marked "assumed" are ours, with the arithmetic stated.
"""

from __future__ import annotations

FP32_ADD_PJ = 0.9
"""One fp32 add (pJ). Horowitz2014, 45 nm."""
FP32_MUL_PJ = 3.7
"""One fp32 multiply (pJ). Horowitz2014, 45 nm."""
SRAM_PJ_PER_VALUE = 10.0 / 2
"""Reading one 32-bit operand from an 8 KB local SRAM (pJ): half of Horowitz2014's 10 pJ per 64-bit read."""
SPECIAL_FUNCTION_PJ = 10 * (FP32_ADD_PJ + FP32_MUL_PJ)
"""One exp, tanh, reciprocal or square root in fp32 (pJ). Assumed: 10 fp32 multiply-adds (range reduction and a
polynomial), 46 pJ; Horowitz2014 gives no figure for these."""
HBM_PJ_PER_BYTE = 3.9 * 8
"""HBM access energy (pJ per byte): 3.9 pJ/bit, OConnor2017."""
HBM3_BYTES_PER_S = 6.4e9 * 1024 / 8
"""Bandwidth of one HBM3 stack (B/s): 6.4 Gb/s per pin x 1024 pins, 819 GB/s. JESD238."""
