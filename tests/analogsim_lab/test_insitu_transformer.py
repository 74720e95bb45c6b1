"""The in-situ transformer workload and its report section on a tiny model (the quick section takes longer than a
test should)."""

import json
import math

import jax.random as jr
import pytest

from analogsim_lab.report.context import Context
from analogsim_lab.report.insitu_transformer import insitu_transformer_compute, insitu_transformer_markdown
from analogsim_lab.workloads import BATCH_SIZE
from analogsim_lab.workloads.insitu_transformer import corpus, insitu_transformer, train_float_twin

TINY = dict(sizes=dict(d_model=8, num_heads=1, num_layers=1, seq=8), max_train_windows=51 * BATCH_SIZE, epochs=1)


@pytest.mark.slow  # 50 s of compiling five transformer programs; the trainer's steps are tested in test_insitu_model
def test_insitu_transformer_section_tiny(tmp_path):
    ctx = Context(out=tmp_path, quick=True, seed=0, progress=lambda m: None)
    fig = insitu_transformer_compute(ctx, **TINY)
    json.dumps(fig)
    assert fig["steps"] == 51 and fig["device"] == "ecram" and fig["optimizer"] == "mixed_precision_adam"
    for name in ("digital_ppl", "insitu_ppl", "insitu_ppl_weights", "twin_ppl"):
        assert 1.0 < fig[name] < 128.0
    assert math.isclose(fig["ratio"], fig["insitu_ppl"] / fig["digital_ppl"])
    assert math.isclose(fig["ratio_twin"], fig["insitu_ppl"] / fig["twin_ppl"])
    assert fig["pulses_per_weight"] > 0 and fig["max_pulses_per_cell"] >= 1
    assert fig["energy_j"] > 0 and fig["time_s"] > 0
    md = insitu_transformer_markdown(fig)
    assert "| in situ (ecram, mixed_precision_adam) |" in md and "| float twin (mixed_precision_adam's rule" in md


def test_insitu_transformer_rejects_unknown_names():
    with pytest.raises(ValueError, match="device must be one of"):
        insitu_transformer(device="pcm", **TINY)


def test_float_twin_needs_one_scale_per_linear_layer():
    sz, train_w, _ = corpus(True, TINY["max_train_windows"], TINY["sizes"])
    with pytest.raises(ValueError, match="one scale per linear layer"):
        train_float_twin(train_w, sz, optimizer="mixed_precision_adam", lr=0.01, scales=(1.0,), epochs=1,
                         key=jr.key(0))
