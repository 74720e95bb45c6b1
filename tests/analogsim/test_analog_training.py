"""The analog training model of `analogsim.roadmap` against hand computations on a tiny transformer (2 layers,
d 8, 2 heads, context 4, d_ff 32, vocabulary 16) on 4x4 tiles, and its GPT-3 table."""

import dataclasses
import json
import math

import pytest

from analogsim import cost, roadmap

TILE = (4, 4)


def tiny(**kw):
    args = dict(name="tiny", n_layers=2, d_model=8, n_heads=2, seq_len=4, d_ff=32, vocab=16, n_tokens=1000.0,
                batch_tokens=100.0)
    return roadmap.TransformerShape(**{**args, **kw})


def system(**kw):
    return roadmap.AnalogSystem(tile=TILE, **kw)


def mvm_j(out, n_in, tech, bits=8):
    """One MVM of an (out, in) matrix on 4x4 tiles, priced by hand from the table's per-operation energies."""
    t_in, t_out = math.ceil(n_in / TILE[0]), math.ceil(out / TILE[1])
    pj = (n_in * t_out * tech.dac_energy_pj(bits) + 2 * out * n_in * tech.cell_read_energy_fj(bits) * 1e-3
          + out * t_in * tech.adc_energy_pj(bits) + out * (t_in - 1) * float(tech.e_add_pj)
          + out * float(tech.e_mul_pj) + t_in * t_out * float(tech.e_periphery_pj))
    return pj * 1e-12


def test_shapes_and_parameters_by_hand():
    s = tiny()
    shapes = {m.name: (m.shape, m.copies, m.token_share) for m in s.fc_matrices()}
    assert shapes["qkv"] == ((24, 8), 2, 1.0) and shapes["attention output"] == ((8, 8), 2, 1.0)
    assert shapes["feed-forward in"] == ((32, 8), 2, 1.0) and shapes["feed-forward out"] == ((8, 32), 2, 1.0)
    assert shapes["output head"] == ((16, 8), 1, 1.0)
    # per layer: layer norms 4d, biases 3d + d + f + d; final norm 2d; embeddings (vocab + seq) d
    assert s.digital_params() == 2 * (32 + 32 + 40) + 16 + 20 * 8
    assert s.n_params == 2 * (192 + 64 + 256 + 256) + 128 + s.digital_params()
    moe = tiny(n_experts=4)
    ff = {m.name: (m.copies, m.token_share) for m in moe.fc_matrices()}["feed-forward in"]
    assert ff == (8, 0.25)
    assert moe.digital_params() == s.digital_params() + 2 * (3 * 40 + 4 * 8)  # experts' biases, router
    g = roadmap.gpt3()
    assert g.n_params == pytest.approx(175e9, rel=0.01) and g.d_head == 128


def test_fully_connected_energy_and_tiles_by_hand():
    s, dev = tiny(), roadmap.pcm_training()
    tech, pulse = dev.read, float(dev.pulses.e_pulse_fj) * 1e-15
    got = roadmap.fc_per_token(s, dev, system())
    mats = [((24, 8), 2), ((8, 8), 2), ((32, 8), 2), ((8, 32), 2), ((16, 8), 1)]
    fwd = sum(n * mvm_j(o, i, tech) for (o, i), n in mats)
    bwd = sum(n * mvm_j(i, o, tech) for (o, i), n in mats)
    assert got["forward"] == pytest.approx(fwd, rel=1e-12)
    assert got["backward"] == pytest.approx(bwd, rel=1e-12)
    rate = sum(dev.pulses_per_token)  # Tiki-Taka: A and C
    # one-hot column read of an (out, in) matrix: 1 DAC per output tile, 2 out cells, out ADCs and rescales
    column = lambda o: (math.ceil(o / 4) * tech.dac_energy_pj(8) + 2 * o * tech.cell_read_energy_fj(8) * 1e-3
                        + o * tech.adc_energy_pj(8) + o * float(tech.e_mul_pj)
                        + math.ceil(o / 4) * float(tech.e_periphery_pj)) * 1e-12
    filt = lambda o: 2 * o * (float(tech.e_add_pj) + float(tech.e_mul_pj)) * 1e-12
    upd = sum(n * (rate * o * i * pulse + (o + i) * tech.dac_energy_pj(8) * 1e-12 + column(o) + filt(o))
              for (o, i), n in mats)
    assert got["update"] == pytest.approx(upd, rel=1e-12)
    tiles = sum(n * math.ceil(o / 4) * math.ceil(i / 4) for (o, i), n in mats)
    assert got["tiles"] == 2 * tiles  # Tiki-Taka: two arrays per weight


def test_attention_counts_by_hand():
    s = tiny()
    mvms = roadmap.attention_mvms(s, system())
    assert [m.name for m in mvms] == ["Q K^T", "A V", "dA = dO V^T", "dQ = dS K", "dK = dS^T Q", "dV = A^T dO"]
    for m in mvms:
        assert m.counts.macs == 4 * 4 * 4  # seq x seq x d_head per head and sequence
        assert m.counts.cell_writes == pytest.approx(4 * 4 * (1 + 1 / 4))  # one row per token, offset cell
        assert m.counts.dac_conversions == 4 * m.shape[1] * math.ceil(m.shape[0] / 4)
    flops = roadmap.model_flops(s)
    assert flops["attention"] == pytest.approx(2 * 6 * 4 * 4 * 2 * 2 * 1000)  # 6 s d_head n_heads n_layers MACs
    assert flops["forward"] == 2 * 1000 * (2 * (192 + 64 + 256 + 256) + 128)
    assert flops["backward"] == 2 * flops["forward"]


def test_digital_ops_by_hand():
    s = tiny()
    ops = s.digital_ops()
    hs = 2 * 4
    assert ops[("layer norm", "forward")] == (2 * 2 * 4 * 8, 2 * 2 * 3 * 8, 2 * 2)
    assert ops[("attention softmax", "forward")] == (2 * 4 * hs, 2 * 2 * hs, 2 * (hs + 2))
    assert ops[("GeLU", "forward")] == (2 * 2 * 32, 2 * 6 * 32, 2 * 32)
    assert ops[("loss softmax", "forward")] == (48, 16, 17)
    assert ops[("Adam", "step")] == pytest.approx(tuple(x * s.digital_params() / 100 for x in (4, 6, 2)))
    assert ("router", "forward") not in ops and ("router", "forward") in tiny(n_experts=2).digital_ops()
    # fp32 add 0.9 pJ, multiply 3.7 pJ, special 46 pJ (Horowitz 2014), each reading a 5 pJ operand
    assert roadmap.digital_op_j(1, 1, 1) == pytest.approx((0.9 + 3.7 + 46 + 3 * 5) * 1e-12)
    stash = s.stash_values()
    assert sum(stash.values()) == 2 * (3 * 8 + 32 + 2 * 8 + 32 + 3 * 8 + 8) + 8 + 8


def test_energy_is_linear_in_tokens():
    dev = roadmap.ecram_training()
    a, b = (roadmap.analog_run(tiny(n_tokens=n), dev, system()) for n in (1000.0, 3000.0))
    for k in roadmap.TRAINING_COMPONENTS:
        assert b.energy_j[k] == pytest.approx(3 * a.energy_j[k], rel=1e-12)
        assert b.time_s[k] == pytest.approx(3 * a.time_s[k], rel=1e-12)
    assert b.writes_per_cell == pytest.approx(3 * a.writes_per_cell)
    assert a.devices == b.devices


def test_pipelined_time_against_a_hand_timeline():
    s = tiny(n_tokens=3.0)
    # fc arrays 1 + 1 + 2 = 4 per token (they share the arrays), attention 3, digital 1, HBM 2: t_b = 4;
    # the first sequence fills the pipeline: 3 tokens + 4 (sequence) + 2 x 2 layers = 11 intervals
    stage = {"forward": 1.0, "backward": 1.0, "update": 2.0, "attention": 3.0, "digital": 1.0,
             "data_movement": 2.0}
    assert roadmap.pipeline_wall_s(s, stage) == (44.0, "fully connected arrays")
    assert roadmap.pipeline_wall_s(s, {**stage, "data_movement": 5.0}) == (55.0, "HBM")
    # the run: PCM reads every 127 ns (input window > 6 ns conversion), 31 update slots of 50 ns, 1 transfer read
    r = roadmap.analog_run(s, roadmap.pcm_training(), system())
    t_fc = 127e-9
    assert r.time_s["forward"] == pytest.approx(3 * t_fc) and r.time_s["backward"] == pytest.approx(3 * t_fc)
    assert r.time_s["update"] == pytest.approx(3 * (31 * 50e-9 + t_fc))
    assert r.wall_s == pytest.approx(11 * (2 * t_fc + 31 * 50e-9 + t_fc))
    # gain-cell attention: each of a head's six arrays reads once, at max(31 x 0.5 ns, 10 ns), and writes one
    # 5 ns row per token
    assert r.time_s["attention"] == pytest.approx(3 * (15.5e-9 + 5e-9))


def test_chips_writes_and_dollars_by_hand():
    s, dev, sys_ = tiny(), roadmap.cmos_training(), system(usd_per_chip_hour=2.0, usd_per_kwh=0.5)
    r = roadmap.analog_run(s, dev, sys_)
    fc_tiles = roadmap.fc_per_token(s, dev, sys_)["tiles"]
    att_tiles = 6 * 1 * 2 * 2  # six (4, 4) arrays per head, one 4x4 tile each; 2 heads, 2 layers
    assert r.devices == math.ceil(fc_tiles / 64) + math.ceil(att_tiles / 64)
    assert r.arrays == fc_tiles + att_tiles
    assert r.writes_per_cell == pytest.approx(dev.pulses_per_token[0] * 1000)
    assert r.usd["electricity"] == pytest.approx(r.total_j / 3.6e6 * 0.5)
    assert r.usd["hardware"] == pytest.approx(r.devices * r.wall_s / 3600 * 2.0)
    assert r.accuracy_penalty_pt == pytest.approx(94.72 - 94.44)


def test_endurance_flags():
    pcm = roadmap.pcm_training()
    assert pcm.endurance_status(1e7) == "within endurance"
    assert pcm.endurance_status(5e8) == "beyond the low end"
    assert pcm.endurance_status(2e9) == "wears out"
    assert roadmap.ecram_training().endurance_status(1e12) == "beyond the demonstrated cycles"
    assert roadmap.cmos_training().endurance_status(1e30) == "no wear-out (volatile)"
    assert roadmap.analog_run(tiny(), pcm, system()).endurance_status == "within endurance"
    g = roadmap.gpt3()
    assert roadmap.analog_run(g, pcm).endurance_status == "wears out"
    assert roadmap.analog_run(g, roadmap.reram_training()).endurance_status == "wears out"
    assert roadmap.analog_run(g, roadmap.cmos_training()).endurance_status == "no wear-out (volatile)"


def test_gpu_row_by_hand():
    s = tiny()
    gpu = roadmap.GPUBaseline(flops_per_s=1e12, power_w=100.0, n_gpus=2.0, usd_per_gpu_hour=1.0, usd_per_kwh=0.1)
    r = roadmap.gpu_run(s, gpu)
    flops = 3 * 2 * 1000 * 1664 + 2 * 6 * 4 * 4 * 2 * 2 * 1000
    assert r.wall_s == pytest.approx(flops / 2e12, rel=1e-12)
    assert r.total_j == pytest.approx(100 * 2 * flops / 2e12, rel=1e-12)
    assert r.energy_j["backward"] == pytest.approx(2 * r.energy_j["forward"])
    assert r.energy_j["update"] == r.energy_j["digital"] == r.energy_j["data_movement"] == 0.0
    assert r.usd["electricity"] == pytest.approx(r.total_j / 3.6e6 * 0.1)
    assert r.usd["hardware"] == pytest.approx(2 * r.wall_s / 3600 * 1.0)
    d = roadmap.GPUBaseline()
    assert (d.flops_per_s, d.power_w) == (150e12, cost.a100().power_w)
    assert d.usd_per_gpu_hour == pytest.approx(2.5 / 4.8)


def test_gpt3_table():
    tab = roadmap.training_table()
    json.dumps(tab, allow_nan=False)
    rows = {r["name"]: r for r in tab["rows"]}
    assert set(rows) == {"GPU (A100)", "analog PCM", "analog ReRAM", "analog ECRAM",
                         "analog CMOS (capacitor / gain cell)"}
    assert rows["analog PCM"]["calibrated"] and not rows["analog ReRAM"]["calibrated"]
    for name, r in rows.items():
        assert set(r["energy_j"]) == set(r["time_s"]) == set(roadmap.TRAINING_COMPONENTS)
        assert r["total_j"] == pytest.approx(sum(r["energy_j"].values()))
        if name != "GPU (A100)":
            assert all(v > 0 for v in r["energy_j"].values()), name
            assert r["total_j"] < rows["GPU (A100)"]["total_j"]
    # traceable: the digital line is the op-by-op list times the tokens; every analog row names its tables
    digital = sum(op["j"] for op in tab["digital_ops_per_token"]) * tab["n_tokens"]
    assert rows["analog PCM"]["energy_j"]["digital"] == pytest.approx(digital, rel=1e-12)
    assert set(tab["counted"]) == set(roadmap.TRAINING_COMPONENTS)
    pcm = rows["analog PCM"]["sources"]
    assert pcm["reads (forward, backward, transfer)"]["table"] == cost.pcm_hermes().name
    assert "gain cell" in pcm["attention"]["table"] and pcm["endurance"] == "Burr2016"
    base = {r["name"]: r for r in tab["rows"]}
    twice = next(c for c in tab["sensitivity"] if c["case"] == "electricity x2")
    for name, usd in twice["usd"].items():
        assert usd == pytest.approx(base[name]["total_usd"] + base[name]["usd"]["electricity"], rel=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tiny(d_model=10, n_heads=3),
        lambda: tiny(n_tokens=0.0),
        lambda: roadmap.analog_run("gpt3", roadmap.pcm_training()),
        lambda: roadmap.analog_run(tiny(), "pcm"),
        lambda: dataclasses.replace(roadmap.pcm_training(), pulses_per_token=()),
        lambda: dataclasses.replace(roadmap.pcm_training(), endurance=(1e9, 1e8)),
        lambda: dataclasses.replace(roadmap.pcm_training(), accuracy="a guess"),
        lambda: roadmap.GPUBaseline(n_gpus=0.0),
        lambda: roadmap.AnalogSystem(bl=0),
    ],
)
def test_bad_inputs_raise(call):
    with pytest.raises(ValueError):
        call()
