"""`python -m analogsim_lab.scaleout_bench`: the communication table and the side-by-side measurement."""

import json

import pytest

import analogsim.distributed as dist
from analogsim_lab import scaleout_bench


def test_volume_table_rows():
    rows = scaleout_bench.volume_table(tokens=1024)
    assert len(rows) == len(scaleout_bench.LAYERS) * len(scaleout_bench.DEVICE_COUNTS)
    fc2 = next(r for r in rows if r["out"] == 768 and r["in"] == 3072 and r["devices"] == 4)
    # ring all-reduce, float32: 2 * 3/4 of the (1024, 768) partial sums, of the 768 x 3072 weights and 768 biases
    assert fc2["tile_parallel_bytes"] == 1.5 * 1024 * 768 * 4
    assert fc2["data_parallel_bytes"] == 1.5 * (768 * 3072 + 768) * 4
    for r in rows:
        assert (r["tile_parallel_bytes"], r["data_parallel_bytes"]) == dist.communication_volume(
            r["out"], r["in"], r["devices"], batch=r["tokens"]
        )


def test_main_quick_one_device(tmp_path, capsys):
    out = tmp_path / "scaleout.json"
    assert scaleout_bench.main(["--quick", "--devices", "1", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    m = res["measured"]
    assert m["devices"] == 1 and m["max_abs_diff"] == 0.0  # one device: the same sum order, bit for bit
    assert m["unsharded_s"] > 0 and m["tile_parallel_s"] > 0
    assert len(res["volume"]) == 16
    assert "tile-parallel MVM" in capsys.readouterr().out


@pytest.mark.slow
def test_main_quick_four_forced_devices(tmp_path):
    out = tmp_path / "scaleout.json"
    assert scaleout_bench.main(["--quick", "--devices", "4", "--out", str(out)]) == 0
    m = json.loads(out.read_text())["measured"]
    assert m["devices"] == 4 and m["ratio"] > 0
    assert m["max_abs_diff"] <= 1e-5 * m["max_abs_y"]
    assert m["bytes_per_device"] == [m["bytes_whole"] // 4] * 4


def test_bad_devices():
    with pytest.raises(SystemExit):
        scaleout_bench.main(["--devices", "0"])
