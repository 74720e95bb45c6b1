import json
import os

import pytest

from analogsim import io as _io
from analogsim_lab import bench, cli
from analogsim_lab.report import write_report


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    p = tmp_path / "sub" / "a.json"
    _io.write_json(p, {"x": 1})
    _io.write_json(p, {"x": 2})
    assert json.loads(p.read_text()) == {"x": 2}
    assert os.listdir(p.parent) == ["a.json"]
    with pytest.raises(ValueError):  # NaN is not valid JSON: refuse rather than write a broken file
        _io.write_json(p, {"x": float("nan")})
    assert json.loads(p.read_text()) == {"x": 2}


@pytest.mark.slow  # a real section end to end (about 1.5 min); the fast tests run stand-in sections
def test_quick_crossbar_report(tmp_path):
    messages = []
    out = write_report(tmp_path / "rep", quick=True, sections=["crossbar"], progress=messages.append)
    files = sorted(os.listdir(out))
    assert files == [
        "crossbar_bits.png",
        "crossbar_nonideal.png",
        "crossbar_time.png",
        "index.md",
        "results.json",
        "sections",
    ]
    assert os.listdir(out / "sections") == ["crossbar.json"]  # the finished section, stored on its own
    res = json.loads((out / "results.json").read_text())
    sec = res["sections"]["crossbar"]
    assert res["meta"]["quick"] is True
    # more bits never hurt much; 10-bit converters beat 2-bit ones by far
    assert sec["bits"]["DAC and ADC"][-1] < 0.05 < sec["bits"]["DAC and ADC"][0]
    ot = sec["over_time"]
    assert ot["PCM"]["1y"]["mean"] > ot["PCM"]["1s"]["mean"]  # drift hurts
    assert ot["PCM + drift compensation"]["1y"]["mean"] < ot["PCM"]["1y"]["mean"]  # compensation helps
    md = (out / "index.md").read_text()
    assert "![DAC/ADC bits](crossbar_bits.png)" in md and "digital int8" in md
    assert any("section 1/1" in m for m in messages)
    for f in files:
        if f.endswith(".png"):
            assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_rejects_unknown_section(tmp_path):
    with pytest.raises(ValueError, match="unknown report section"):
        write_report(tmp_path, quick=True, sections=["nope"])
    with pytest.raises(SystemExit):
        cli.main(["report", "--sections", "nope", "--out", str(tmp_path)])


@pytest.mark.slow  # times every benchmark row, the in-situ steps included
def test_bench_quick_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert bench.main(["--quick", "--repeats", "1", "--json", str(path)]) == 0
    res = json.loads(path.read_text())
    assert [r["shape"] for r in res["mvm"]] == [list(s) for s in bench.QUICK_SHAPES]
    for r in res["mvm"]:
        assert (
            r["digital_s"] > 0
            and r["analog_s"] > 0
            and r["ratio"] == pytest.approx(r["analog_s"] / r["digital_s"])
        )
    assert res["program_drift"]["program_s"] > 0
    assert "ratio" in capsys.readouterr().out


def test_cli_requires_a_command(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([])
    assert e.value.code == 2 and "report" in capsys.readouterr().err
