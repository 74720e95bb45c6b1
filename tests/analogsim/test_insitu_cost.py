"""Pricing in-situ training: per-pulse tables and the energy and time of counted pulses, reads and conversions."""

import functools

import jax
import jax.numpy as jnp
import jax.random as jr
import pytest

from analogsim import cost, devices, insitu


@functools.cache
def _cached_counts():
    dev = devices.ConstantStep(dw_min=0.01, dw_min_std=0.0)
    opt = insitu.AnalogSGD(dev, lr=0.31)
    s = jax.jit(lambda s, x, d, k: opt.update(s, x, d, key=k))(
        opt.init((2, 3), key=None), jnp.array([[1.0, -1.0, 0.0]]), jnp.array([[1.0, -1.0]]), jr.key(0))
    return s.counts  # 124 pulses, 1 sample, 5 DAC and 5 ADC conversions


def _counts(getkey):
    return _cached_counts()  # one compilation for the file: the counts are exact, whatever the key


def test_price_by_hand(getkey):
    c = _counts(getkey)
    table, tech = cost.pulses_ecram_tang2018(), cost.pcm_hermes()
    out = cost.price_insitu(c, table, tech, dac_bits=8, adc_bits=8, bl=31)
    assert out["energy_j"]["write"] == pytest.approx(124 * 1e-15)
    assert out["energy_j"]["dac"] == pytest.approx(5 * tech.dac_energy_pj(8) * 1e-12)
    assert out["energy_j"]["adc"] == pytest.approx(5 * tech.adc_energy_pj(8) * 1e-12)
    assert out["energy_j"]["digital"] == 0.0
    t_read = tech.t_input_s(8) + tech.t_convert_s(8)
    assert out["time_s"] == pytest.approx(2 * t_read + 31 * 5e-9)
    assert out["total_j"] == pytest.approx(sum(out["energy_j"].values()))


def test_tables_and_bad_input(getkey):
    for table in (cost.pulses_ecram_tang2018(), cost.pulses_capacitor_li2018(), cost.pulses_reram_assumed()):
        assert table.e_pulse_fj > 0 and table.t_slot_s > 0 and table.sources
    with pytest.raises(ValueError, match="e_pulse_fj"):
        cost.PulseTable("x", e_pulse_fj=-1.0, t_slot_s=1e-9)
    with pytest.raises(ValueError, match="Technology"):
        cost.price_insitu(_counts(getkey), cost.pulses_ecram_tang2018(), "pcm")
    with pytest.raises(ValueError, match="bl"):
        cost.price_insitu(_counts(getkey), cost.pulses_ecram_tang2018(), cost.pcm_hermes(), bl=0)
