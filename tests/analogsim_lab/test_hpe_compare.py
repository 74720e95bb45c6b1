import json
import pathlib

import numpy as np
import pytest

import hnn
from analogsim_lab import hpe_compare

SHIPPED = (
    pathlib.Path(__file__).resolve().parents[1] / "data" / "satlib"
)  # uf20 and uf50 files in the repository


def test_grids_hold_eight_settings_each():
    assert len(hpe_compare.HOPFIELD_GRID) == len(hpe_compare.ANNEALING_GRID) == 8
    for setting in hpe_compare.HOPFIELD_GRID:
        hnn.HighOrderHopfield(**setting)
    for setting in hpe_compare.ANNEALING_GRID:
        hnn.QuboAnnealing(**setting)


def test_instance_sets_split_evaluation_and_tuning_files():
    evaluation, tuning, source = hpe_compare.instance_sets(20, 2, 1, SHIPPED)
    assert source == "SATLIB uf20" and len(evaluation) == 2 and len(tuning) == 1
    assert tuning[0].to_lists() == hnn.read_dimacs(SHIPPED / "uf20" / "uf20-04.cnf").to_lists()


@pytest.mark.slow  # about 30 s on an idle 2-core CPU: a compile per instance and setting
def test_compare_end_to_end_on_small_grids(monkeypatch, tmp_path):
    monkeypatch.setenv("HNN_SATLIB", str(SHIPPED))
    monkeypatch.setattr(
        hpe_compare,
        "METHODS",
        {
            "hopfield": (hnn.HighOrderHopfield, hpe_compare.HOPFIELD_GRID[:2]),
            "annealing": (hnn.QuboAnnealing, hpe_compare.ANNEALING_GRID[:2]),
        },
    )
    res = hpe_compare.compare([20], count=1, tune_count=1, replicas=8, budget_scale=0.2)
    (row,) = res["rows"]
    assert row["n_vars"] == 20 and row["instances"] == 1 and row["colors"] >= 2
    for name in ("hopfield", "annealing"):
        assert row[name]["tuning"]["runs"] == 2 and row[name]["tuning"]["choice"] in [
            g["setting"] for g in row[name]["tuning"]["grid"]
        ]
        assert row[name]["step_energy_j"] > 0 and len(row[name]["instance_tts99_steps"]) == 1
    assert row["hopfield"]["tts99_steps"]["solved"] == 1
    assert "| 20 |" in hpe_compare.format_table(res)
    monkeypatch.setattr(hpe_compare, "compare", lambda sizes, **kw: {**res, "asked": [sizes, kw["count"]]})
    path = tmp_path / "hpe.json"
    hpe_compare.main(["--sizes", "20,50", "--count", "3", "--out", str(path)])
    out = json.loads(path.read_text())
    assert out["asked"] == [[20, 50], 3] and out["hpe"] == {
        "tts_ratio": 48.0,
        "ets_ratio": 72.0,
        "n_vars": 150,
    }


def test_format_table_shows_lower_bounds_and_the_hpe_figures():
    summary = {"median": 100.0, "low": 90.0, "high": 110.0, "median_at_least": 100.0, "solved": 3}
    summary["median_at_least_95"] = 100.0
    unsolved = {"median": None, "low": None, "high": None, "median_at_least": 5000.0, "solved": 1}
    unsolved["median_at_least_95"] = hpe_compare.unsolved_floor(5000.0, 32)
    row = {
        "n_vars": 150,
        "instances": 3,
        "hopfield": {"tts99_steps": summary, "ets_j": summary},
        "annealing": {"tts99_steps": unsolved, "ets_j": unsolved},
        "tts_ratio": {"ratio": None, "low": None, "high": None, "at_least": 50.0, "at_least_95": 2340.0},
        "ets_ratio": {"ratio": None, "low": None, "high": None, "at_least": 50.0, "at_least_95": 2340.0},
    }
    table = hpe_compare.format_table({"rows": [row], "hpe": {"n_vars": 150}})
    assert ">= 5e+03 (>= 2.34e+05 at 95 %)" in table and ">= 50 (>= 2.34e+03 at 95 %; lower bounds)" in table
    assert "HPE's 48x" in table and "HPE's 72x" in table


def test_unsolved_floor_is_the_rule_of_three_bound():
    floor = hpe_compare.unsolved_floor(1000.0, 32)
    p = 3 / 32
    assert abs(floor - 1000.0 * np.log(0.01) / np.log(1 - p)) < 1e-6 and 46 < floor / 1000 < 48


def test_bad_arguments():
    with pytest.raises(ValueError, match="budget_scale"):
        hpe_compare.compare([20], budget_scale=0)
    with pytest.raises(ValueError, match="name"):
        hpe_compare.tune("glauber", [], replicas=2, budget=1)
    with pytest.raises(SystemExit):
        hpe_compare.main(["--sizes", "20,x"])


def test_checkpoint_keeps_finished_sizes_and_refuses_other_settings(monkeypatch, tmp_path):
    calls = []

    def fake_size(n, **kw):
        calls.append(n)
        if n == 75:
            raise KeyboardInterrupt  # interrupted while running the third size
        return {"n_vars": n, "budget": hpe_compare.budgets(n)}

    monkeypatch.setattr(hpe_compare, "compare_size", fake_size)
    path = tmp_path / "hpe.json"
    with pytest.raises(KeyboardInterrupt):
        hpe_compare.compare([20, 50, 75], count=3, checkpoint=path)
    saved = json.loads(path.read_text())
    assert [r["n_vars"] for r in saved["rows"]] == [20, 50] and saved["settings"]["count"] == 3
    monkeypatch.setattr(
        hpe_compare, "compare_size", lambda n, **kw: calls.append(n) or {"n_vars": n, "budget": hpe_compare.budgets(n)}
    )
    res = hpe_compare.compare([20, 50, 75], count=3, checkpoint=path)
    assert calls == [20, 50, 75, 75]  # the rerun ran only the unfinished size
    assert [r["n_vars"] for r in res["rows"]] == [20, 50, 75]
    assert [r["n_vars"] for r in json.loads(path.read_text())["rows"]] == [20, 50, 75]
    # a row run with other step budgets (the budget rule changed since) runs again
    saved = json.loads(path.read_text())
    saved["rows"][0]["budget"] = {"hopfield": 1, "annealing": 1}
    path.write_text(json.dumps(saved))
    hpe_compare.compare([20, 50], count=3, checkpoint=path)
    assert calls == [20, 50, 75, 75, 20]
    with pytest.raises(ValueError, match="settings"):
        hpe_compare.compare([20], count=4, checkpoint=path)
    assert hpe_compare.main(["--sizes", "20", "--count", "4", "--out", str(path)]) == 2


def test_budgets_grow_with_n():
    sizes = [20, 50, 75, 100, 150, 250]
    annealing = [hpe_compare.budgets(n)["annealing"] for n in sizes]
    assert annealing == sorted(annealing) and hpe_compare.budgets(150) == {"hopfield": 800_000, "annealing": 400_000}
