"""The technology tables: which are calibrated to a measured chip, and the PCM cell-read energy derived from the
HERMES operating point."""

import dataclasses

import pytest

from analogsim import cost


def test_only_the_hermes_table_is_calibrated():
    assert cost.pcm_hermes().calibrated is True
    for tech in (cost.reram_neurram(), cost.gaincell_leroux()):
        # bottom-up: no periphery, so a lower bound, and flagged as such
        assert tech.calibrated is False
        assert tech.e_periphery_pj == 0.0
        assert "not calibrated" in tech.source("e_periphery_pj")
    assert cost.pcm_hermes().e_periphery_pj > 0


def test_pcm_cell_read_energy_is_g_v2_t_at_the_hermes_operating_point():
    # HERMES (Le Gallo et al., Nat. Electron. 6, 680, 2023): 8-bit PWM inputs, 133 ns per 256x256 MVM.
    g_max = 25e-6  # S: aihwkit PCM g_max (analogsim.devices.PCM)
    v_read = 0.2  # V: assumed sub-0.3 V read
    window = 127 * 1e-9  # s: 127 PWM slots of 1 ns (8-bit input), within the 133 ns per MVM
    mean_w, mean_x = 0.3, 0.3  # assumed mean |w| / w_max and |x| / x_max
    # a differential pair: one cell carries |w|, the other nothing, so the mean cell conductance is g_max |w| / 2
    e_fj = g_max * mean_w / 2 * v_read**2 * window * mean_x * 1e15
    assert e_fj == pytest.approx(5.715, rel=1e-3)
    tech = cost.pcm_hermes()
    assert tech.e_cell_read_fj == pytest.approx(e_fj, rel=1e-9)
    assert "5.7 fJ" in tech.source("e_cell_read_fj")
    # the calibrated total is unchanged: the periphery is the residual of HERMES's 13.4 nJ per MVM
    assert cost.hermes_mvm().total_j * 1e9 == pytest.approx(13.43, rel=1e-3)


def test_calibrated_flag_is_validated():
    tech = cost.reram_neurram()
    fields = {f.name: getattr(tech, f.name) for f in dataclasses.fields(tech)}
    with pytest.raises(ValueError, match="calibrated"):
        cost.Technology(**{**fields, "calibrated": "yes"})
