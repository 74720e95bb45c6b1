import pathlib

import pytest

import hnn
from analogsim_lab import ksat_bench

SHIPPED = pathlib.Path(__file__).resolve().parents[1] / "data" / "satlib"  # uf20 and uf50 files in the repository


def test_find_satlib_honours_the_environment(monkeypatch):
    monkeypatch.setenv("HNN_SATLIB", str(SHIPPED))
    assert ksat_bench.find_satlib() == SHIPPED.resolve()


def test_satlib_set_reads_the_files_in_name_order():
    inst = ksat_bench.satlib_set("uf20", 3, SHIPPED)
    assert [c.n_vars for c in inst] == [20, 20, 20]
    assert inst[0].to_lists() == hnn.read_dimacs(SHIPPED / "uf20" / "uf20-01.cnf").to_lists()
    assert inst[2].to_lists() == hnn.read_dimacs(SHIPPED / "uf20" / "uf20-03.cnf").to_lists()


def test_bench_rows():
    inst = ksat_bench.satlib_set("uf20", 2, SHIPPED)
    assert len(inst) == 2 and all(isinstance(c, hnn.CNF) for c in inst)
    for method in ("probsat", "analog", "cadical"):
        row = ksat_bench.bench(method, inst, 8, 20_000)
        assert row["instances"] == 2 and row["solved"] == 2
        assert row["energy_to_solution_j"] is not None and row["energy_to_solution_j"] > 0
        if method != "cadical":
            assert row["median_tts99_steps"] >= 1 and row["q90_tts99_steps"] >= row["median_tts99_steps"]


def test_run_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        ksat_bench.run("huge")
