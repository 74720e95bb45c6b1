import json
import pathlib

import numpy as np
import pytest

import hnn
from analogsim_lab import hopfield_scaling as hs, hopfield_tuning as ht

SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "data" / "satlib"  # uf20 and uf50 files


def test_methods_and_grid():
    assert isinstance(hs.make_method("hopfield", 150), hnn.HighOrderHopfield)
    assert hs.make_method("hopfield", 150).focused
    assert isinstance(hs.make_method("probsat", 150), hnn.ProbSAT)
    with pytest.raises(ValueError, match="hopfield"):
        hs.make_method("walksat", 150)
    assert len(ht.TUNING_GRID) == 18 and len(ht.REFINE_GRID) == 12
    for setting in ht.TUNING_GRID + ht.REFINE_GRID:
        hnn.HighOrderHopfield(focused=True, **setting)


def test_set_files_first_and_last(tmp_path):
    files = hs.set_files(SHIPPED, "uf20", 2)
    assert [f.name for f in files] == ["uf20-01.cnf", "uf20-02.cnf"]
    assert [f.name for f in hs.set_files(SHIPPED, "uf20", 1, last=True)] == ["uf20-04.cnf"]
    with pytest.raises(ValueError, match="asked for 99"):
        hs.set_files(SHIPPED, "uf20", 99)
    with pytest.raises(ValueError, match="asked for 1"):
        hs.set_files(tmp_path, "uf20", 1)


def test_summarize_counts_unsolved_as_infinite():
    s = hs.summarize([10.0, 20.0, 30.0, np.inf])
    assert s["percent_solved"] == 75.0
    assert s["median"] == 30.0 and s["q90"] is None and s["median_ci"][0] <= 30.0
    assert hs.summarize([5.0] * 4)["median_ci"] == [5.0, 5.0]


def _row(name, n, hop, prob):
    def part(v):
        return {"instance_tts99_steps": v, "instance_tts99_flips": v}

    return {"set": name, "n_vars": n, "hopfield": part(hop), "probsat": part(prob)}


def test_scaling_recovers_known_exponents():
    rows = [
        _row("b", 100, [1e4 * 10 ** (0.01 * 100)] * 3, [1e2 * 10 ** (0.02 * 100)] * 3),
        _row("a", 50, [1e4 * 10 ** (0.01 * 50)] * 3, [1e2 * 10 ** (0.02 * 50)] * 3),
    ]
    sc = hs.scaling(rows)
    assert sc["fits"]["hopfield_sweeps"]["slope"] == pytest.approx(0.01)
    assert sc["fits"]["probsat_flips"]["slope"] == pytest.approx(0.02)
    assert sc["fits"]["hopfield_updates"]["slope"] > 0.01  # sweeps x N grows faster
    assert sc["exponent_ratio"] == pytest.approx(0.5)
    assert sc["tts_ratio_at_largest"]["n_vars"] == 100
    assert sc["tts_ratio_at_largest"]["ratio"] == pytest.approx(10.0)


def test_run_tiny_writes_json_and_resumes(tmp_path):
    out = tmp_path / "s.json"
    kw = dict(count=2, replicas=4, budgets={"hopfield": 5000, "probsat": 5000}, timeout_sets=(), out=out)
    res = hs.run(SHIPPED, ["uf20"], **kw)
    saved = json.loads(out.read_text())
    assert [r["set"] for r in saved["rows"]] == ["uf20"] and saved["scaling"] is None
    for m in hs.METHODS:
        assert res["rows"][0][m]["tts99_steps"]["percent_solved"] == 100.0
        assert len(res["rows"][0][m]["instance_tts99_flips"]) == 2
    lines = []
    again = hs.run(SHIPPED, ["uf20"], progress=lines.append, **kw)
    assert lines == [f"uf20: reused from {out}"] and again["rows"] == saved["rows"]
    assert "| uf20 | probsat | 2/2 | 100 |" in hs.format_table(again)


def test_timeout_check_on_shipped_instance():
    cnf = hnn.read_dimacs(SHIPPED / "uf20" / "uf20-01.cnf")
    res = hs.timeout_check(hs.make_method("hopfield", cnf.n_vars), [cnf], timeout_s=30.0, replicas=4)
    assert res["solved"] == 1 and res["instances"] == 1 and len(res["wall_s"]) == 1


def test_tune_command_picks_from_the_named_grid(monkeypatch, tmp_path, capsys):
    grids = {"coarse": ht.TUNING_GRID[:1], "refine": ht.REFINE_GRID[:2]}
    monkeypatch.setattr(ht, "GRIDS", grids)
    out = tmp_path / "t.json"
    argv = ["--root", str(SHIPPED), "--sets", "uf20", "--count", "1", "--replicas", "4", "--budget", "3000"]
    assert ht.main([*argv, "--grid", "refine", "--out", str(out)]) == 0
    tuning = json.loads(out.read_text())["tuning"][0]
    assert tuning["set"] == "uf20" and tuning["runs"] == 2 and tuning["choice"] in grids["refine"]
    assert [g["setting"] for g in tuning["grid"]] == list(grids["refine"])
    assert json.loads(capsys.readouterr().out) == [tuning["choice"]]


def test_settings_argument_is_checked():
    one = {"q": 0.5, "t_start": 1.0, "t_end": 0.1, "anneal_steps": 100}
    assert ht.parse_settings(json.dumps([one])) == (one,)
    for bad in ("[]", "{}", "[1]"):
        with pytest.raises(ValueError, match="non-empty JSON list"):
            ht.parse_settings(bad)
