import json
import subprocess
import sys
from pathlib import Path

import pytest

import ebm

ROOT = Path(__file__).resolve().parents[2]


def test_analog_pbit_cost_by_hand():
    tech = ebm.AnalogTech(
        adc_fom_j_per_step=1e-15,
        adc_bits=4,
        dac_j=2e-15,
        v_read=0.1,
        g_mean_s=1e-5,
        t_read_s=1e-7,
        pbit_j=3e-15,
        io_j_per_bit=1e-15,
    )
    c = ebm.analog_pbit_cost([(3, 2), (2, 3)], 5, tech)
    e_cell = 0.1**2 * 1e-5 * 1e-7
    parts = {"dac": 5 * 2e-15, "array": 12 * e_cell, "adc": 5 * 16e-15, "pbit": 5 * 3e-15, "io": 10 * 1e-15}
    for k, v in parts.items():
        assert c["breakdown_j_per_sweep"][k] == pytest.approx(v)
    assert c["energy_per_update_j"] == pytest.approx(sum(parts.values()) / 5)
    assert c["time_per_update_s"] == pytest.approx(2 * 1e-7 / 5)
    rbm = ebm.RBM.init(64, 20, key=__import__("jax").random.key(0))
    assert ebm.model_mvms(rbm) == ([(20, 64), (64, 20)], 84)


def test_digital_and_literature_costs():
    d = ebm.digital_cost(1e8, 20.0)
    assert d["energy_per_update_j"] == pytest.approx(2e-7) and d["time_per_update_s"] == pytest.approx(1e-8)
    with pytest.raises(ValueError, match="must be > 0"):
        ebm.digital_cost(0.0, 20.0)
    lit = ebm.literature_costs()
    for name, figs in ebm.LITERATURE.items():
        assert all(f.source for f in figs.values())  # every number names its source
        assert lit[name]["energy_per_update_j"] > 0 and lit[name]["time_per_update_s"] > 0


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


def test_crossbar_pbit_cost_uses_analogsim_cost():
    import analogsim as asim
    from analogsim import cost

    mvms = [(20, 64), (64, 20)]
    cfg = asim.CrossbarConfig(dac=asim.DAC(bits=8), adc=asim.ADC(bits=8), tile=(256, 256))
    tech = ebm.AnalogTech()
    c = ebm.crossbar_pbit_cost(mvms, 84, config=cfg, tech=tech)
    counts = [cost.count_mvm((o, i), cfg, batch=1) for i, o in mvms]
    rows, total = cost.price_all(counts, cost.pcm_hermes())
    expected = total.total_j + 84 * tech.pbit_j + 84 * 2 * tech.io_j_per_bit
    assert c["energy_per_update_j"] * 84 == pytest.approx(expected, rel=1e-9)
    assert c["time_per_update_s"] * 84 == pytest.approx(sum(r.latency_s for r in rows), rel=1e-9)
    # the calibrated table includes periphery, so it never prices below the bottom-up model's crossbar part
    assert c["energy_per_update_j"] > ebm.analog_pbit_cost(mvms, 84, tech)["energy_per_update_j"]
    with pytest.raises(ValueError):
        ebm.crossbar_pbit_cost([], 1)
