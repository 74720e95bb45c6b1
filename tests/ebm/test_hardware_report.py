import json
import subprocess
import sys
from pathlib import Path

import jax
import pytest

import analogsim as asim
import ebm
import hnn
from analogsim import cost

ROOT = Path(__file__).resolve().parents[2]


def _tiny_tech():
    """A bottom-up table with round numbers: 2 fJ per DAC drive, 6 fJ per cell read, a 4-bit Walden ADC at
    1 fJ/step, 10 ns slots and a 100 ns conversion."""
    return cost.Technology(
        name="by hand",
        input_encoding="pwm",
        ref_dac_bits=4,
        ref_adc_bits=4,
        e_dac_pj=0.002,
        e_cell_read_fj=6.0,
        adc=cost.ADCModel("walden", fom=1.0),
        e_add_pj=0.0,
        e_mul_pj=0.0,
        e_cell_write_fj=0.0,
        e_periphery_pj=0.0,
        t_slot_s=10e-9,
        t_adc_s=100e-9,
        t_add_s=0.0,
        t_write_row_s=0.0,
    )


def test_pbit_sweep_cost_by_hand():
    rbm = ebm.RBM.init(3, 2, key=jax.random.key(0))  # blocks read W (3x2) then W^T (2x3)
    cfg = asim.CrossbarConfig(dac=asim.DAC(bits=4), adc=asim.ADC(bits=4), tile=(256, 256))
    counts = ebm.count_pbit_sweep(rbm, cfg)
    assert [c.shape for c in counts] == [(3, 2), (2, 3)]
    c = ebm.pbit_sweep_cost(
        rbm, _tiny_tech(), config=cfg, pbit=ebm.PBitTech(e_pbit_fj=3.0, e_io_fj_per_bit=1.0)
    )
    assert isinstance(c, cost.Cost)
    # per sweep: 5 DAC drives, 2 x 12 cell reads (differential pairs), 5 ADC conversions of 16 steps, 5 p-bits,
    # 10 state bits; two reads in sequence of 7 slots + one conversion each
    parts = {"dac": 5 * 2e-15, "array": 24 * 6e-15, "adc": 5 * 16e-15, "pbit": 5 * 3e-15, "io": 10 * 1e-15}
    for k, v in parts.items():
        assert c.energy_j[k] == pytest.approx(v)
    assert c.total_j == pytest.approx(sum(parts.values()))
    assert c.latency_s == pytest.approx(2 * (7 * 10e-9 + 100e-9))
    u = ebm.per_spin_update(c, rbm.n_units)
    assert u.total_j == pytest.approx(c.total_j / 5) and u.time_s == pytest.approx(c.time_s / 5)
    lattice = ebm.BoltzmannMachine.lattice(8)  # two colour blocks, each reading the dense J
    assert [m.shape for m in ebm.count_pbit_sweep(lattice)] == [(64, 64), (64, 64)]
    with pytest.raises(ValueError, match="pairwise"):
        ebm.count_pbit_sweep(ebm.FactorBoltzmannMachine(hnn.CNF.from_clauses([[1, 2, 3]])))


def test_report_figures_of_the_64x20_rbm():
    """The per-update figures of the report's 64x20 RBM, computed by hand from the bottom-up table."""
    rbm = ebm.RBM.init(64, 20, key=jax.random.key(0))
    u = ebm.per_spin_update(ebm.pbit_sweep_cost(rbm, ebm.pbit_bottom_up()), 84)
    dac, cell, adc = 0.05e-12, 25e-15, 10e-15 * 2**8
    by_hand = (84 * dac + 2 * 2 * 64 * 20 * cell + 84 * adc + 84 * 100e-15 + 84 * 2 * 10e-15) / 84
    assert u.total_j == pytest.approx(by_hand, rel=1e-12)
    assert u.time_s == pytest.approx(2 * 100e-9 / 84, rel=1e-12)


def test_hermes_priced_sweep_of_the_64x20_rbm_by_hand():
    """The default pricing (PCM calibrated to IBM HERMES), derived from the published chip figures and the table's
    per-operation numbers, not from `count_mvm`/`price_all`: HERMES (Le Gallo et al., Nat. Electron. 6, 680,
    2023) does 9.76 TOPS/W and 63.1 TOPS over 64 cores of 256x256 cells, so one full-core MVM (2 x 256 x 256 ops)
    costs 13.43 nJ and takes 132.9 ns; the table prices a DAC drive at 0.3 pJ, a cell read at g V^2 t (5.7 fJ), an 8-bit Walden
    ADC conversion at 10 fJ/step (x fs / 100 MHz above the corner), a rescale multiply at 3.7 pJ, 127 PWM slots of
    1 ns, and puts the rest of the 13.43 nJ into the periphery of each core MVM."""
    tech = cost.pcm_hermes()
    # one cell of a differential pair: 25 uS x mean |w| 0.3 / 2, 0.2 V, 127 ns x mean input 0.3
    e_cell_pj = 25e-6 * (0.3 / 2) * 0.2**2 * 127e-9 * 0.3 * 1e12
    assert tech.e_cell_read_fj == pytest.approx(e_cell_pj * 1e3, rel=1e-12)
    assert (tech.e_dac_pj, tech.e_mul_pj, tech.t_slot_s) == (0.3, 3.7, 1e-9)
    assert (tech.adc.kind, tech.adc.fom, tech.adc.f_corner_hz) == ("walden", 10.0, 100e6)
    ops = 2 * 256 * 256
    e_mvm_pj = ops / 9.76
    t_mvm = ops / (63.1e12 / 64)
    t_adc = t_mvm - 127e-9
    e_adc_pj = 10e-3 * 2**8 * (1 / t_adc) / 100e6  # the ADC runs above its 100 MHz corner
    periphery_pj = e_mvm_pj - (256 * 0.3 + 2 * 256 * 256 * e_cell_pj + 256 * e_adc_pj + 256 * 3.7)
    assert e_mvm_pj == pytest.approx(13429.5, abs=0.1) and t_mvm == pytest.approx(132.9e-9, abs=0.1e-9)
    # one sweep of the 64x20 RBM: W (64 out, 20 in) for the visible block, W^T for the hidden one; one core MVM
    # each; 84 DAC drives, ADC conversions and rescales, 2 x 2 x 64 x 20 cell reads (differential pairs)
    rbm = ebm.RBM.init(64, 20, key=jax.random.key(0))
    c = ebm.pbit_sweep_cost(rbm)
    by_hand_pj = {
        "dac": 84 * 0.3,
        "array": 2 * 2 * 64 * 20 * e_cell_pj,
        "adc": 84 * e_adc_pj,
        "digital": 84 * 3.7,
        "write": 0.0,
        "periphery": 2 * periphery_pj,
        "pbit": 84 * 0.1,  # ebm.PBitTech: 100 fJ per p-bit update
        "io": 84 * 2 * 0.01,  # two state bits of 10 fJ per update
    }
    assert set(c.energy_j) == set(by_hand_pj)
    for k, v in by_hand_pj.items():
        assert c.energy_j[k] == pytest.approx(v * 1e-12, rel=1e-9, abs=1e-24), k
    assert c.latency_s == pytest.approx(2 * t_mvm, rel=1e-9) and c.time_s == pytest.approx(
        2 * t_mvm, rel=1e-9
    )
    assert c.ops == 2 * 2 * 64 * 20


def test_digital_and_literature_costs():
    d = ebm.digital_cost(1e8, 20.0)
    assert d.total_j == pytest.approx(2e-7) and d.time_s == pytest.approx(1e-8)
    assert ebm.digital_cost(1e8).total_j == pytest.approx(cost.CPU_POWER_W / 1e8)
    with pytest.raises(ValueError, match="must be > 0"):
        ebm.digital_cost(0.0, 20.0)
    lit = ebm.literature_costs()
    for figs in ebm.LITERATURE.values():
        assert all(f.source for f in figs.values())  # every number names its source
    # by hand: the FPGA at an assumed 15 W over 6.4e10 flips/s; the sMTJ p-bit at 2 fJ and 1e9 flips/s per p-bit
    by_hand = {"FPGA": (15.0 / 6.4e10, 1 / 6.4e10), "sMTJ": (2e-15, 1e-9)}
    assert len(lit) == 2
    for name, c in lit.items():
        ((e, t),) = [v for k, v in by_hand.items() if name.startswith(k)]
        assert c.energy_j == {"pbit": pytest.approx(e, rel=1e-12)} and c.time_s == pytest.approx(t, rel=1e-12)


@pytest.mark.slow
def test_report_section_quick(tmp_path):
    from analogsim_lab.report import Context
    from analogsim_lab.report.ebm import ebm_section

    ctx = Context(out=tmp_path, quick=True, seed=0, progress=lambda m: None)
    res = ebm_section(ctx)
    json.dumps(res.figures)
    for png in (
        "ebm_learning_curve.png",
        "ebm_samples.png",
        "ebm_hopfield_recall.png",
        "ebm_tv_noise.png",
        "ebm_energy_per_update.png",
    ):
        assert (tmp_path / png).exists()
    tv = res.figures["pbit_tv_vs_noise"]["ADC output noise (ideal device)"]["tv"]
    assert tv[-1] > tv[0]


@pytest.mark.slow
def test_rbm_digits_example_quick(tmp_path):
    out = tmp_path / "r.json"
    r = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "rbm_digits.py"), "--json", str(out), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.read_text())
    assert set(d) >= {
        "test_ll_exact_64x20",
        "test_ll_ais_64x100",
        "ais_minus_exact_64x20",
        "independent_pixels_ll",
    }
    assert d["test_ll_exact_64x20"] > d["independent_pixels_ll"]
    assert abs(d["ais_minus_exact_64x20"]) < 0.1
