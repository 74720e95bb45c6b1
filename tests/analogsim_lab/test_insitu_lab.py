"""The in-situ report section on a tiny problem: figures, plot and Markdown."""

import json

import numpy as np
import pytest

from analogsim import insitu
from analogsim_lab.report.context import Context
from analogsim_lab.report.insitu import insitu_compute, insitu_markdown, insitu_plot
from analogsim_lab.workloads import insitu as lab, load_digits_split


@pytest.mark.slow  # 55 s; the section's runs are the workload functions tested below and in tests/analogsim
def test_insitu_section_tiny(tmp_path):
    ctx = Context(out=tmp_path, quick=True, seed=0, progress=lambda m: None)
    figs = insitu_compute(ctx, epochs=1, n_train=40)
    assert len(figs["runs"]) == 2 and len(figs["asymmetry"]) == 2
    assert [r["tau_s"] for r in figs["leakage"]] == [1e-4, 1e-2, None]
    assert all(0.0 <= r["test_acc"] <= 100.0 for r in figs["leakage"])
    for r in figs["runs"]:
        assert 0.0 <= r["acc_per_epoch"][-1] <= 100.0
        assert r["energy_per_step_j"]["write"] > 0
    json.dumps(figs)
    png = insitu_plot(ctx, figs)
    assert (tmp_path / png).stat().st_size > 0
    md = insitu_markdown(figs, png)
    assert "| soft_bounds | analog_sgd |" in md and "| no leakage |" in md and "| 0.0001 |" in md


def _tiny_data():
    xtr, ytr, xte, yte = load_digits_split()
    return xtr[:40], ytr[:40], xte[:60], yte[:60]


@pytest.mark.slow  # 30 s of compiling
def test_vmapped_runs_equal_single_runs():
    data = _tiny_data()
    dev = lab.DEVICES["soft_bounds"]()
    make = lambda lr: lab.OPTIMIZERS["analog_sgd"](dev, lr, 0.1, insitu.PulseUpdate(mode="moments"))
    accs, states = lab.train_insitu_runs(data, make, [0.01, 0.02], seeds=[0, 1], lr_bias=[0.01, 0.03], epochs=2)
    assert accs.shape == (2, 2, 2)
    one_accs, one_states = lab.train_insitu(data, make(0.02), lr_bias=0.03, epochs=2, seed=1)
    np.testing.assert_allclose(accs[1, 1], one_accs, atol=1e-4)
    run = lab.run_state(states, 3)  # (lr 0.02, seed 1): lr major
    for a, b in zip(run, one_states, strict=True):
        np.testing.assert_allclose(a.arrays[0].w, b.arrays[0].w, atol=1e-6)
        np.testing.assert_array_equal(a.counts.pulses[0], b.counts.pulses[0])
    digital = lab.train_digital_runs(data, lrs=[0.01, 0.03], seeds=[2, 0], epochs=2)
    assert abs(digital[1, 0, -1] - lab.train_digital(data, lr=0.03, epochs=2, seed=2)) < 1e-3


def test_best_lr_rule_and_bad_grids():
    accs = np.array([[[80.0, 90.0], [80.0, 70.0]], [[80.0, 85.0], [80.0, 85.0]]])  # (lrs, seeds, epochs)
    best = lab.best_lr(accs, [0.01, 0.02])
    assert best["lr"] == 0.02 and best["test_acc"] == 85.0 and best["test_acc_std"] == 0.0  # mean 85 > mean 80
    assert best["acc_by_lr"] == {"0.01": 80.0, "0.02": 85.0} and best["acc_per_epoch"] == [80.0, 85.0]
    with pytest.raises(ValueError, match="at least one"):
        lab.train_digital_runs(_tiny_data(), lrs=[], seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="lr_bias"):
        lab.train_insitu_runs(_tiny_data(), lambda lr: None, [0.01, 0.02], seeds=[0], lr_bias=[0.1], epochs=1)
