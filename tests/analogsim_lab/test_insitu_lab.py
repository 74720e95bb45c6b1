"""The in-situ report section on a tiny problem: figures, plot and Markdown."""

import json

from analogsim_lab.report.context import Context
from analogsim_lab.report.insitu import insitu_compute, insitu_markdown, insitu_plot


def test_insitu_section_tiny(tmp_path):
    ctx = Context(out=tmp_path, quick=True, seed=0, progress=lambda m: None)
    figs = insitu_compute(ctx, epochs=1, n_train=40)
    assert len(figs["runs"]) == 2 and len(figs["asymmetry"]) == 2
    for r in figs["runs"]:
        assert 0.0 <= r["acc_per_epoch"][-1] <= 100.0
        assert r["energy_per_step_j"]["write"] > 0
    json.dumps(figs)
    png = insitu_plot(ctx, figs)
    assert (tmp_path / png).stat().st_size > 0
    assert "| soft_bounds | analog_sgd |" in insitu_markdown(figs, png)
