import pytest

import hnn
from analogsim_lab import ksat_bench


def test_find_satlib_and_bench_rows():
    root = ksat_bench.find_satlib()
    if root is None:
        pytest.skip("SATLIB instances not available beside this checkout")
    inst = ksat_bench.satlib_set("uf20", 2, root)
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
