"""The lab's shared pieces: the hardware presets, the crossbar MVM workload, the report's section registry and the
example scripts' command line."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from analogsim import ADC, DAC, CrossbarConfig, ReadNoise
from analogsim.devices import PCM
from analogsim_lab.presets import hermes_tile, pcm_8bit
from analogsim_lab.report import SECTIONS
from analogsim_lab.scripts import run_workload_script
from analogsim_lab.workloads import int8_mvm, mc_errors, mvm_problem, relative_error


def test_pcm_8bit_preset():
    cfg = pcm_8bit(
        read_noise_std=0.02, read_noise_kind="proportional", adc_noise_std=0.04, drift_compensation=True
    )
    want = CrossbarConfig(
        device=PCM(),
        dac=DAC(bits=8),
        adc=ADC(bits=8, noise_std=0.04),
        tile=(512, 512),
        read_noise=ReadNoise(0.02, kind="proportional"),
        drift_compensation=True,
    )
    assert eqx.tree_equal(cfg, want) is True
    plain = pcm_8bit()
    assert plain.read_noise is None and plain.adc.noise_std is None and plain.drift_compensation is False
    assert hermes_tile(adc_bits=6).adc.bits == 6 and hermes_tile().tile == (256, 256)
    for std in (0.01, None):
        with pytest.raises(ValueError, match="kind"):
            pcm_8bit(read_noise_std=std, read_noise_kind="multiplicative")


def test_int8_mvm_is_the_per_row_per_vector_int8_product(getkey):
    W, x = mvm_problem(getkey(), 48, 64, 5)
    sw = jnp.max(jnp.abs(W), axis=1, keepdims=True) / 127
    sx = jnp.max(jnp.abs(x), axis=1, keepdims=True) / 127
    want = (jnp.round(x / sx) @ jnp.round(W / sw).T) * sx * sw.T
    np.testing.assert_array_equal(np.asarray(int8_mvm(W, x)), np.asarray(want))
    assert 0 < float(relative_error(int8_mvm(W, x), x @ W.T)) < 0.02


def test_mc_errors_shape_and_ideal_hardware(getkey):
    W, x = mvm_problem(getkey(), 16, 32, 4)
    e = mc_errors(W, x, CrossbarConfig.ideal(), [None, 3600.0], 3, getkey())
    assert e.shape == (3, 2) and np.all(e < 1e-5)


def test_sections_registry_holds_every_section():
    names = [n for n, _ in SECTIONS]
    assert names == ["crossbar", "nn_digits", "nn_transformer", "insitu", "insitu_transformer", "cost", "roadmap",
                     "ksat", "ebm", "speed"]
    assert all(callable(f) for _, f in SECTIONS)


def test_run_workload_script_passes_the_options(capsys):
    seen = {}

    def workload(**kw):
        kw["progress"]("step")
        seen.update(kw)
        return {"figures": {}}

    argv = ["--quick", "--seed", "3", "--programmings", "2", "--checkpoint-dir", "ck", "--json", "o.json"]
    args, res = run_workload_script(
        workload, "Doc.\n\nMore.", argv, tag="t", quick_help="q", programmings="p"
    )
    assert res == {"figures": {}} and args.json == "o.json"
    assert {k: seen[k] for k in ("quick", "seed", "n_programmings", "checkpoint_dir")} == {
        "quick": True,
        "seed": 3,
        "n_programmings": 2,
        "checkpoint_dir": "ck",
    }
    assert "[t] step" in capsys.readouterr().err
