"""The report keeps what it has finished: `--sections` adds to an existing report, a report killed with SIGKILL and
started again gives the results of an uninterrupted run, and a bad `--out` is a one-line usage error."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from analogsim_lab import cli
from analogsim_lab.report import RUN_FILE, SECTIONS, SectionResult, stored_section, write_report


def _counting_section(name: str, title: str):
    """A section that appends a line to `<out>/<name>_runs.txt` each time it runs."""

    def section(ctx):
        with open(ctx.out / f"{name}_runs.txt", "a") as f:
            f.write("ran\n")
        return SectionResult(title, f"Body of {title}.", {"value": ctx.seed + len(name)})

    return section


@pytest.fixture
def two_sections():
    """`SECTIONS` replaced, in place, by two cheap sections `a` and `b` (registry order a, b)."""
    saved = list(SECTIONS)
    SECTIONS[:] = [("a", _counting_section("a", "Section A")), ("b", _counting_section("b", "Section B"))]
    yield
    SECTIONS[:] = saved


def _runs(out, name):
    path = out / f"{name}_runs.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_sections_merge_into_an_existing_report(tmp_path, two_sections):
    out = tmp_path / "rep"
    write_report(out, quick=True, sections=["b"], progress=lambda m: None)
    write_report(out, quick=True, sections=["a"], progress=lambda m: None)
    res = json.loads((out / "results.json").read_text())
    assert list(res["sections"]) == ["a", "b"]  # b's finished result stays, in registry order
    assert res["sections"]["b"]["value"] == 1 and res["sections"]["a"]["title"] == "Section A"
    md = (out / "index.md").read_text()
    assert md.index("## Section A") < md.index("## Section B") and "Body of Section B." in md
    assert "[Section A](#section-a), [Section B](#section-b)" in md
    assert stored_section(out, "b")["run"] == {"quick": True, "seed": 0}
    assert not (out / RUN_FILE).exists()
    # a finished report is not a resumed one: asking for a section again runs it again
    write_report(out, quick=True, sections=["a"], progress=lambda m: None)
    assert (_runs(out, "a"), _runs(out, "b")) == (2, 1)
    # sections stored with another seed do not mix into this one's report
    messages = []
    write_report(out, quick=True, seed=1, sections=["a"], progress=messages.append)
    res = json.loads((out / "results.json").read_text())
    assert list(res["sections"]) == ["a"] and res["sections"]["a"]["value"] == 2
    assert any("b: the stored result is of another run" in m for m in messages)


def test_out_that_is_a_file_is_a_one_line_usage_error(tmp_path, capsys):
    f = tmp_path / "a_file"
    f.write_text("x")
    for out in (f, f / "sub"):
        with pytest.raises(SystemExit) as e:
            cli.main(["report", "--quick", "--sections", "crossbar", "--out", str(out)])
        err = capsys.readouterr().err
        assert e.value.code == 2
        assert err.splitlines()[-1].startswith("analogsim: error: --out: the report directory")
        assert "is an existing file" in err and "Traceback" not in err
    with pytest.raises(ValueError, match="is an existing file"):
        write_report(f, quick=True, sections=["crossbar"])
    assert f.read_text() == "x"


# Two sections: a quick one, then a training run checkpointed every epoch whose learning curve (one exact
# log-likelihood per epoch) lives in the checkpoint's history. `_SCRIPT` replaces `SECTIONS` by them, in place, and
# runs the `analogsim` command.
_TWO_SECTIONS = textwrap.dedent(
    """
    import time
    import jax.numpy as jnp, jax.random as jr, optax
    import ebm
    from analogsim_lab.report import SectionResult

    def quick(ctx):
        with open(ctx.out / "quick_runs.txt", "a") as f:
            f.write("ran\\n")
        return SectionResult("Quick", "Finished first.", {"value": 0.25})

    def train(ctx):
        data = (jr.uniform(jr.key(ctx.seed), (40, 6)) < 0.4).astype(jnp.float32)
        tr = ebm.Trainer(optimizer=optax.adam(0.05), method="pcd", n_chains=20)

        def score(e, st):
            time.sleep(0.2)  # leaves time to kill the run between checkpoints
            return {"ll": float(ebm.log_likelihood(st.model, data))}

        ck = ctx.checkpoint_dir / "toy.ckpt"
        ck.parent.mkdir(parents=True, exist_ok=True)
        st = tr.init(ebm.RBM.init(6, 3, key=jr.key(1)), key=jr.key(2))
        res = tr.fit(st, data, key=jr.key(3), epochs=8, batch_size=10, checkpoint=ck, callback=score)
        curve = [h["ll"] for h in res.history]
        figures = {"curve": curve, "W": res.state.model.W.tolist()}
        return SectionResult("Training", f"Final log-likelihood {curve[-1]:.4f}.", figures)
    """
)
_SCRIPT = _TWO_SECTIONS + textwrap.dedent(
    """
    import sys
    from analogsim_lab import cli
    from analogsim_lab.report import SECTIONS

    SECTIONS[:] = [("quick", quick), ("train", train)]
    sys.exit(cli.main(sys.argv[1:]))
    """
)


def _report(out, **kw):
    return subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, "report", "--quick", "--seed", "4", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _finish(proc):
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-2000:]
    return err


def _without_timings(results: dict) -> dict:
    meta = {k: v for k, v in results["meta"].items() if k not in ("generated", "seconds")}
    sections = {n: {k: v for k, v in s.items() if k != "seconds"} for n, s in results["sections"].items()}
    return {"meta": meta, "sections": sections}


def _uninterrupted(out):
    """The same report, run here without interruption."""
    ns = {}
    exec(_TWO_SECTIONS, ns)
    saved = list(SECTIONS)
    SECTIONS[:] = [("quick", ns["quick"]), ("train", ns["train"])]
    try:
        write_report(out, quick=True, seed=4, progress=lambda m: None)
    finally:
        SECTIONS[:] = saved


@pytest.mark.slow  # 25 s; resumption after a kill is also tested in test_rbm_digits and test_nn_train
def test_report_killed_mid_section_resumes_to_the_uninterrupted_results(tmp_path):
    ref, out = tmp_path / "ref", tmp_path / "out"
    _uninterrupted(ref)
    ck = out / "checkpoints" / "quick-seed4" / "toy.ckpt"
    proc = _report(out)
    deadline = time.monotonic() + 90
    while not ck.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ck.exists() and proc.poll() is None, "the training section never checkpointed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "results.json").exists() and (out / RUN_FILE).exists()
    assert stored_section(out, "quick") is not None and stored_section(out, "train") is None
    err = _finish(_report(out))
    assert "quick (finished before the interruption: kept)" in err
    assert (out / "quick_runs.txt").read_text() == "ran\n"  # the finished section did not run again
    want = json.loads((ref / "results.json").read_text())
    got = json.loads((out / "results.json").read_text())
    assert len(got["sections"]["train"]["curve"]) == 8
    assert _without_timings(got) == _without_timings(want)
    assert (out / "index.md").read_text().split("\n", 3)[3] == (ref / "index.md").read_text().split("\n", 3)[
        3
    ]


def _without_measured(results: dict) -> dict:
    """`_without_timings`, and without the ebm rows priced from wall-clock throughput measured during the run."""
    r = _without_timings(results)
    rows = r["sections"]["ebm"]["energy_per_spin_update"]["rows"]
    for name in [n for n in rows if n.startswith("CPU, this run")]:
        del rows[name]
    return r


@pytest.mark.slow
def test_ebm_section_killed_during_training_resumes_with_its_learning_curve(tmp_path):
    """The real `analogsim report --quick --sections ebm`, killed once the RBM's checkpoint exists."""

    def report(out):
        cmd = [
            sys.executable,
            "-m",
            "analogsim_lab.cli",
            "report",
            "--quick",
            "--sections",
            "ebm",
            "--out",
            str(out),
        ]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    ref, out = tmp_path / "ref", tmp_path / "out"
    _finish(report(ref))
    ck = out / "checkpoints" / "quick-seed0" / "ebm_rbm20.ckpt"
    proc = report(out)
    deadline = time.monotonic() + 600
    while not ck.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ck.exists() and proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    _finish(report(out))
    want = json.loads((ref / "results.json").read_text())
    got = json.loads((out / "results.json").read_text())
    assert len(got["sections"]["ebm"]["rbm_digits"]["curve_epoch_train_test"]) == 3  # every 2nd of 6 epochs
    assert _without_measured(got) == _without_measured(want)
