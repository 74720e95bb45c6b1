"""The report sections and example scripts of analogsim.cost and analogsim.roadmap: they run in quick mode, write
their plots, and the example JSON files carry the contract keys."""

import importlib.util
import json
import pathlib

import pytest

from analogsim_lab.report import Context

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def ctx(tmp_path):
    msgs = []
    return Context(out=tmp_path, quick=True, seed=0, progress=msgs.append), msgs


def test_cost_section(ctx):
    from analogsim_lab.report.cost import cost_section

    c, msgs = ctx
    res = cost_section(c)
    assert (
        msgs and (c.out / "cost_joules.png").stat().st_size > 0 and (c.out / "cost_vs_digital.png").exists()
    )
    assert res.figures["hermes_tops_per_w"] == pytest.approx(9.76, rel=0.1)
    json.dumps(res.figures, allow_nan=False)
    assert "cost_joules.png" in res.markdown


def test_roadmap_section(ctx):
    from analogsim_lab.report.roadmap import roadmap_section

    c, msgs = ctx
    res = roadmap_section(c)
    for png in ("roadmap_fig7.png", "roadmap_projection.png", "roadmap_revolutionary.png"):
        assert (c.out / png).stat().st_size > 0 and png in res.markdown
    json.dumps(res.figures, allow_nan=False)
    assert "**not reproduced**" in res.markdown and "**reproduced**" in res.markdown
    # the ReRAM figures are flagged as priced with an uncalibrated table; the table has its rows and its flags
    assert "**uncalibrated**" in res.markdown and "analog ReRAM (uncalibrated)" in res.markdown
    assert "**wears out**" in res.markdown and "no wear-out (volatile)" in res.markdown
    rows = res.figures["reproduction"]
    assert res.markdown.count("**reproduced**") == sum(r["status"] == "reproduced" for r in rows)


def test_revolutionary_plot_shows_every_component():
    from analogsim import roadmap
    from analogsim_lab.report.roadmap_revolutionary import revolutionary_components

    comps = revolutionary_components(roadmap.training_table())
    assert set(comps) == set(roadmap.TRAINING_COMPONENTS)
    # every analog row has every component, the digital remainder and attention included, each its own panel
    for part, row in comps.items():
        analog = {k: v for k, v in row.items() if not k.startswith("GPU")}
        assert len(analog) == 4 and all(v > 0 for v in analog.values()), part
    assert any("uncalibrated" in k for k in comps["attention"])


def test_examples_json_contract(tmp_path):
    p = tmp_path / "energy.json"
    _load("energy").main(["--json", str(p), "--quick"])
    e = json.loads(p.read_text())
    # HERMES's published 9.76 TOPS/W and 63.1 TOPS / 64 cores for one 256x256 MVM (2 * 256^2 operations), by hand
    assert e["hermes_mvm_energy_nj"] == pytest.approx(2 * 256**2 / 9.76e12 * 1e9, rel=1e-3)
    assert e["hermes_mvm_latency_ns"] == pytest.approx(2 * 256**2 / (63.1e12 / 64) * 1e9, rel=1e-3)
    assert e["hermes_tops_per_w"] == pytest.approx(9.76, rel=1e-3)
    p = tmp_path / "roadmap.json"
    _load("roadmap").main(["--json", str(p), "--quick"])
    r = json.loads(p.read_text())
    assert 1.5 < r["saving_at_50k_gpus"] < 2.5
    for row in r["reproduction"]:
        assert {"claim", "ours", "paper", "tolerance", "status", "assumption", "sensitivity"} <= set(row)
        assert row["status"] in ("reproduced", "not reproduced")
    for table in r["revolutionary"].values():
        rows = {row["name"]: row for row in table["rows"]}
        assert rows["analog ReRAM"]["calibrated"] is False and rows["analog PCM"]["calibrated"] is True
        for row in rows.values():
            assert {"energy_j", "time_s", "total_usd", "writes_per_cell", "endurance_status"} <= set(row)
            assert "accuracy_penalty_pt" in row
        assert table["sensitivity"]
