"""Training-device presets: pulsed device models with the parameters fitted to published devices. Each is a plain
function returning a configured device; pass keyword arguments to change any parameter."""

from __future__ import annotations

from ._expstep import ExpStep
from ._linearstep import LinearStep
from ._softbounds import SoftBounds


def capacitor_li2018(**overrides) -> LinearStep:
    """An analog CMOS capacitor training cell: a capacitor whose voltage sets the conductance of a read transistor,
    charged and discharged by a pair of current sources, one charge packet per pulse. The roadmap's choice for
    training ("training requires analog CMOS memories"): near-linear, symmetric steps, finite charge levels, and a
    charge that leaks away between updates.

    Source: Y. Li et al., "Capacitor-based cross-point array for analog neural network with record symmetry and
    linearity", Symposium on VLSI Technology 2018 (trench capacitors, 14 nm), as fitted in IBM aihwkit's
    `CapacitorPresetDevice`: `dw_min = 0.005` (spread 0.1), `w_min, w_max = -1, 1` (spread 0.07), up/down spread
    0.06, slopes `gamma = 0.05` (spread 0.01), cycle-to-cycle spread 0.3 (additive in aihwkit, multiplicative here:
    the same at `w = 0`).

    Assumptions, not measurements:

    - `levels = 401`: the number of charge packets of the nominal step that fit in `[w_min, w_max]`
      (`2 / 0.005 + 1`).
    - `tau_s = 1.0` s: Li et al. find that leakage does not hurt training accuracy without refresh, because the
      weights are updated continuously; aihwkit's preset assumes a lifetime of 10^6 mini-batches, 1 s at 1 us per
      mini-batch. `analogsim.insitu` applies `leak` between updates.
    """
    kw = dict(dw_min=0.005, dw_min_dtod=0.1, dw_min_std=0.3, up_down=0.0, up_down_dtod=0.06,
              w_min=-1.0, w_max=1.0, w_min_dtod=0.07, w_max_dtod=0.07, gamma_up=0.05, gamma_down=0.05,
              gamma_up_dtod=0.01, gamma_down_dtod=0.01, levels=401, tau_s=1.0)
    kw.update(overrides)
    return LinearStep(**kw)


def ecram_tang2018(**overrides) -> LinearStep:
    """Lithium-ion ECRAM: J. Tang et al., "ECRAM as scalable synaptic cell for high-speed, low-power neuromorphic
    computing", IEDM 2018, as fitted in IBM aihwkit's `EcRamPresetDevice` (range shifted so the symmetry point is 0):
    `dw_min = 0.002` (spread 0.1), `w_min, w_max = -0.8276, 1.1724` (spread 0.05), slopes `gamma_up = 0.1153`,
    `gamma_down = 0.5085` (spread 0.05), cycle-to-cycle spread 0.3, up/down spread 0.01."""
    kw = dict(dw_min=0.002, dw_min_dtod=0.1, dw_min_std=0.3, up_down=0.0, up_down_dtod=0.01,
              w_min=-0.8276, w_max=1.1724, w_min_dtod=0.05, w_max_dtod=0.05, gamma_up=0.1153,
              gamma_down=0.5085, gamma_up_dtod=0.05, gamma_down_dtod=0.05)
    kw.update(overrides)
    return LinearStep(**kw)


def reram_gong2018(**overrides) -> ExpStep:
    """HfO2 ReRAM: N. Gong et al., "Signal and noise extraction from analog memory elements for neuromorphic
    computing", Nat. Commun. 9, 2102 (2018), as fitted in IBM aihwkit's `ReRamESPresetDevice` (exponential step):
    `dw_min = 0.00135` (spread 0.2), `up_down = 0.259359` (spread 0.05), `w_min, w_max = -1, 1` (spread 0.3),
    `a = b = -0.5`, `gamma_up = gamma_down = 5`, `A_up = -1.18445`, `A_down = -0.081404`, cycle-to-cycle spread 5
    (relative to the step: ReRAM steps are very noisy) and write noise 75 `dw_min`."""
    kw = dict(dw_min=0.00135, dw_min_dtod=0.2, dw_min_std=5.0, up_down=0.259359, up_down_dtod=0.05,
              w_min=-1.0, w_max=1.0, w_min_dtod=0.3, w_max_dtod=0.3, write_noise_std=75.0,
              a=-0.5, b=-0.5, gamma_up=5.0, gamma_down=5.0, A_up=-1.18445, A_down=-0.081404)
    kw.update(overrides)
    return ExpStep(**kw)


def reram_softbounds_gong2018(**overrides) -> SoftBounds:
    """HfO2 ReRAM as soft bounds: IBM aihwkit's `ReRamSBPresetDevice`, a loose fit to N. Gong et al., Nat. Commun.
    9, 2102 (2018), assuming the symmetry point has been subtracted by a reference device: `dw_min = 0.002` (spread
    0.3), `up_down = 0` (spread 0.01), `w_min, w_max = -0.75, 1.25` (spreads 0.3/0.75, 0.3/1.25), cycle-to-cycle
    spread 3.75 and write noise 56 `dw_min` (additive cycle-to-cycle noise in aihwkit, multiplicative here)."""
    kw = dict(dw_min=0.002, dw_min_dtod=0.3, dw_min_std=3.75, up_down=0.0, up_down_dtod=0.01,
              w_min=-0.75, w_max=1.25, w_min_dtod=0.3 / 0.75, w_max_dtod=0.3 / 1.25, write_noise_std=56.0)
    kw.update(overrides)
    return SoftBounds(**kw)
