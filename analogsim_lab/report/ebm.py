"""The ``analogsim report`` section for energy-based models: learning curves, samples as images, Hopfield recall vs
load, p-bit sampler TV vs hardware noise, and energy per spin update vs digital.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import analogsim as asim
import ebm as _hardware
from ebm import (
    RBM,
    BoltzmannMachine,
    Hopfield,
    ModernHopfield,
    empirical_distribution,
    exact_probabilities,
    gibbs_sweep,
    log_likelihood,
    pbit_machine,
    random_states,
    sample,
    sample_pbit,
    total_variation,
)

from ..rbm_digits import DIGITS_RBM_EPOCHS, independent_pixels_ll, load_binary_digits, train_digits_rbm
from .core import Context, SectionResult

CPU_WATTS = 65.0  # the same assumed package power as analogsim.cost.measure_cpu and the k-SAT benchmark
"""Assumed CPU power while sampling (W): the measured time is priced at this power. An assumption (no power meter
on this machine): a 2-core slice of a server CPU at ~15 W per busy core."""


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _throughput(model, n_chains: int, sweeps: int, key) -> float:
    """Measured spin updates per second of jitted block Gibbs (second call timed)."""
    x0 = random_states(model, n_chains, key=key)
    run = jax.jit(
        lambda x, k: jax.lax.fori_loop(
            0, sweeps, lambda t, x: gibbs_sweep(model, x, 1.0, jr.fold_in(k, t)), x
        )
    )
    jax.block_until_ready(run(x0, jr.fold_in(key, 1)))
    t = time.perf_counter()
    jax.block_until_ready(run(x0, jr.fold_in(key, 2)))
    return sweeps * n_chains * model.n_units / (time.perf_counter() - t)


def _learning(ctx: Context, key, plt, figures, md):
    train, test = load_binary_digits()
    epochs = 6 if ctx.quick else DIGITS_RBM_EPOCHS
    ctx.progress(f"ebm: training a 64x20 RBM on digits ({epochs} epochs, tempered PCD)")
    curve = []
    every = 2 if ctx.quick else epochs // 10

    def cb(e, st):
        if (e + 1) % every == 0:
            curve.append(
                (e + 1, float(log_likelihood(st.model, train)), float(log_likelihood(st.model, test)))
            )

    # The same recipe and key as examples/rbm_digits.py with the same seed: the same model and the same figure.
    ck = ctx.checkpoint_dir / "ebm_rbm20.ckpt"
    ck.parent.mkdir(parents=True, exist_ok=True)
    state = train_digits_rbm(train, 20, epochs, key=key, checkpoint=ck, callback=cb)
    if not curve or curve[-1][0] != epochs:  # resumed from a finished checkpoint: score the final model
        curve.append(
            (epochs, float(log_likelihood(state.model, train)), float(log_likelihood(state.model, test)))
        )
    indep = independent_pixels_ll(train, test)
    c = np.array(curve)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(c[:, 0], c[:, 1], "o-", label="train (exact)")
    ax.plot(c[:, 0], c[:, 2], "s-", label="test (exact)")
    ax.axhline(indep, color="gray", ls="--", label="independent pixels (test)")
    ax.axhline(-18.0, color="k", ls=":", label="target -18.0")
    ax.set(xlabel="epoch", ylabel="log-likelihood (nats / image)", title="64x20 RBM on 8x8 digits")
    ax.legend(fontsize=7)
    f1 = ctx.save_figure(fig, "ebm_learning_curve.png")

    ctx.progress("ebm: sampling digits from the trained RBM")
    s = sample(
        state.model, key=jr.fold_in(key, 3), n_chains=16, n_samples=1, burn_in=200 if ctx.quick else 1000
    )
    imgs = np.asarray(s.samples[0, :, :64]).reshape(16, 8, 8)
    fig, axes = plt.subplots(2, 16, figsize=(8, 1.2))
    for i in range(16):
        axes[0, i].imshow(test[i].reshape(8, 8), cmap="gray_r")
        axes[1, i].imshow(imgs[i], cmap="gray_r")
        axes[0, i].axis("off")
        axes[1, i].axis("off")
    f2 = ctx.save_figure(fig, "ebm_samples.png")
    figures["rbm_digits"] = {
        "epochs": epochs,
        "curve_epoch_train_test": curve,
        "test_ll_exact_64x20": curve[-1][2],
        "independent_pixels_ll": indep,
    }
    md.append(
        f"**Training.** A 64x20 RBM trained by tempered PCD on scikit-learn's 8x8 digits (binarized at 8, 20% test "
        f"split, `random_state=0`) reaches an exact test log-likelihood of **{curve[-1][2]:.3f} nats/image** after "
        f"{epochs} epochs (independent pixels: {indep:.3f}; target -18.0 with the full {DIGITS_RBM_EPOCHS}-epoch run; "
        "`examples/rbm_digits.py` also scores a 64x100 RBM by AIS).\n\n"
        f"![learning curve]({f1})\n\nTop: test digits; bottom: RBM samples (independent chains after "
        f"{200 if ctx.quick else 1000} Gibbs sweeps).\n\n![samples]({f2})\n"
    )
    return state.model, train


def _hopfield(ctx: Context, key, train, plt, figures, md):
    ctx.progress("ebm: Hopfield recall vs load")
    rng = np.random.default_rng(int(jr.randint(key, (), 0, 2**31 - 1)))
    pool = 2.0 * train - 1.0
    pool = pool[np.unique(pool, axis=0, return_index=True)[1]]
    loads = [3, 8, 20] if ctx.quick else [2, 4, 6, 8, 10, 13, 16, 20, 24, 32]
    trials = 1 if ctx.quick else 5
    res = {"hebbian": [], "storkey": [], "modern": []}
    for p in loads:
        acc = {k: [] for k in res}
        for _ in range(trials):
            pats = jnp.asarray(pool[rng.choice(len(pool), p, replace=False)])
            flip = jnp.asarray(rng.random(pats.shape) < 0.3)
            noisy = jnp.where(flip, -pats, pats)
            for name, rec in (
                ("hebbian", Hopfield.hebbian(pats).recall(noisy, sweeps=5)),
                ("storkey", Hopfield.storkey(pats).recall(noisy, sweeps=5)),
                ("modern", ModernHopfield(pats, beta=1.0).recall(noisy, steps=3)),
            ):
                acc[name].append(float(jnp.mean(jnp.all(rec == pats, axis=1))))
        for k in res:
            res[k].append(float(np.mean(acc[k])))
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for k, lab in (
        ("hebbian", "Hopfield, Hebb"),
        ("storkey", "Hopfield, Storkey"),
        ("modern", "modern (softmax)"),
    ):
        ax.plot(np.array(loads) / 64, res[k], "o-", label=lab)
    ax.set(
        xlabel="load (patterns / 64 units)",
        ylabel="exact recall rate",
        title="recall from 30% flipped pixels",
    )
    ax.legend(fontsize=7)
    f = ctx.save_figure(fig, "ebm_hopfield_recall.png")
    figures["hopfield_recall"] = {"loads_patterns": loads, "flip_fraction": 0.3, "trials": trials, **res}
    md.append(
        "**Associative memory.** Binarized digits stored in a 64-unit network and recalled from 30% flipped pixels "
        "(exact recall rate). Correlated digit images overload the classical network far below the 0.138 n "
        "random-pattern capacity; Storkey's rule helps a little; the modern softmax network keeps recalling.\n\n"
        f"![hopfield]({f})\n"
    )


def _tv_noise(ctx: Context, key, plt, figures, md):
    ctx.progress("ebm: p-bit sampler TV vs hardware noise")
    k1, k2, k3 = jr.split(jr.fold_in(key, 10), 3)
    model = RBM(W=0.8 * jr.normal(k1, (6, 4)), a=0.3 * jr.normal(k2, (6,)), b=0.3 * jr.normal(k3, (4,)))
    p = exact_probabilities(model)
    n_chains, n_samples = (256, 128) if ctx.quick else (2048, 512)
    ideal = dict(device=asim.devices.Ideal(), dac=asim.DAC(bits=None, bound=None))
    sweeps = {
        "ADC output noise (ideal device)": (
            [0.0, 1.0] if ctx.quick else [0.0, 0.05, 0.1, 0.2, 0.5, 1.0],
            lambda s: asim.CrossbarConfig(**ideal, adc=asim.ADC(bits=None, bound=None, noise_std=s)),
        ),
        "PCM + 8-bit converters, read noise": (
            [0.1] if ctx.quick else [0.0, 0.02, 0.05, 0.1, 0.2],
            lambda s: asim.CrossbarConfig(
                device=asim.devices.PCM(),
                dac=asim.DAC(bits=8),
                adc=asim.ADC(bits=8),
                read_noise=asim.ReadNoise(s),
            ),
        ),
    }
    floor = float(
        total_variation(
            p,
            empirical_distribution(
                sample(
                    model, key=jr.fold_in(key, 11), n_chains=n_chains, n_samples=n_samples, burn_in=20
                ).samples
            ),
        )
    )
    out = {"model": "random RBM 6x4 (1024 joint states)", "samples": n_chains * n_samples, "gibbs_tv": floor}
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for i, (name, (levels, make)) in enumerate(sweeps.items()):
        tvs = []
        for j, s in enumerate(levels):
            kp, ks = jr.split(jr.fold_in(jr.fold_in(key, 12 + i), j))
            mach = pbit_machine(model, make(s), key=kp)
            smp = sample_pbit(mach, key=ks, n_chains=n_chains, n_samples=n_samples, burn_in=20).samples
            tvs.append(float(total_variation(p, empirical_distribution(smp))))
        out[name] = {"noise_std": levels, "tv": tvs}
        ax.plot(levels, tvs, "o-", label=name)
    ax.axhline(floor, color="gray", ls="--", label="digital Gibbs (sampling floor)")
    ax.set(
        xlabel="noise std (normalized column units)",
        ylabel="TV to exact",
        title="p-bit sampler vs hardware noise",
    )
    ax.legend(fontsize=7)
    f = ctx.save_figure(fig, "ebm_tv_noise.png")
    figures["pbit_tv_vs_noise"] = out
    md.append(
        f"**Analog p-bit sampling.** Local fields from an `analogsim` crossbar, noisy-comparator p-bits. With ideal "
        f"hardware the sampler is exact block Gibbs (TV at the sampling floor, {floor:.4f} with "
        f"{n_chains * n_samples} samples); hardware noise biases the fields and the stationary distribution drifts "
        f"away from the model's.\n\n![tv vs noise]({f})\n"
    )


def _energy(ctx: Context, key, rbm, plt, figures, md):
    ctx.progress("ebm: measuring digital sampling throughput")
    lattice = BoltzmannMachine.lattice(64, coupling=0.4, spin=True)
    rate_lat = _throughput(lattice, 64, 20 if ctx.quick else 200, jr.fold_in(key, 20))
    rate_rbm = _throughput(rbm, 64, 200 if ctx.quick else 2000, jr.fold_in(key, 21))
    rows = {
        "CPU, this run: 64x64 Ising, 64 chains": _hardware.digital_cost(rate_lat, CPU_WATTS),
        "CPU, this run: 64x20 RBM, 64 chains": _hardware.digital_cost(rate_rbm, CPU_WATTS),
    }
    rows.update(_hardware.literature_costs())
    mvms, n = _hardware.model_mvms(rbm)
    analog = _hardware.analog_pbit_cost(mvms, n)
    rows["analog crossbar p-bits, bottom-up (no periphery): 64x20 RBM"] = {
        "energy_per_update_j": analog["energy_per_update_j"],
        "time_per_update_s": analog["time_per_update_s"],
    }
    priced = _hardware.crossbar_pbit_cost(mvms, n)
    rows["analog crossbar p-bits, analogsim.cost (PCM/HERMES): 64x20 RBM"] = {
        "energy_per_update_j": priced["energy_per_update_j"],
        "time_per_update_s": priced["time_per_update_s"],
    }
    names = list(rows)
    e = [rows[k]["energy_per_update_j"] for k in names]
    t = [rows[k]["time_per_update_s"] for k in names]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    axes[0].barh(names, e)
    axes[0].set(xscale="log", xlabel="J per spin update")
    axes[1].barh(names, t)
    axes[1].set(xscale="log", xlabel="s per spin update (machine throughput)")
    axes[1].set_yticklabels([])
    f = ctx.save_figure(fig, "ebm_energy_per_update.png")
    figures["energy_per_spin_update"] = {
        "rows": rows,
        "cpu_watts_assumed": CPU_WATTS,
        "analog_breakdown_j_per_sweep": analog["breakdown_j_per_sweep"],
        "analogsim_cost_breakdown_j_per_sweep": priced["breakdown_j_per_sweep"],
        "sources": {k: {kk: vv.source for kk, vv in d.items()} for k, d in _hardware.LITERATURE.items()},
    }
    lines = "\n".join(
        f"| {k} | {rows[k]['energy_per_update_j']:.2e} | {rows[k]['time_per_update_s']:.2e} |" for k in names
    )
    md.append(
        "**Energy and time per spin update.** CPU rows are measured throughput priced at an assumed "
        f"{CPU_WATTS:.0f} W; p-bit rows are literature figures (sources in `results.json`; FPGA power is an "
        "assumption); the analog rows price the crossbar sampler bottom-up with `ebm.AnalogTech` (ADC, DAC, cell "
        "reads, p-bit, state I/O; no periphery) and with `analogsim.cost` (PCM calibrated to IBM HERMES, periphery "
        "included) plus the same p-bit and I/O terms.\n\n| platform | J / update | s / update |\n|---|---|---|\n"
        + lines
        + f"\n\n![energy]({f})\n"
    )


def ebm_section(ctx: Context) -> SectionResult:
    """Energy-based models: training, sampling, associative memory and hardware sampling cost."""
    plt = _plt()
    key = jr.key(ctx.seed)
    figures: dict = {}
    md: list[str] = []
    rbm, train = _learning(ctx, jr.fold_in(key, 20), plt, figures, md)
    _hopfield(ctx, jr.fold_in(key, 2), train, plt, figures, md)
    _tv_noise(ctx, jr.fold_in(key, 3), plt, figures, md)
    _energy(ctx, jr.fold_in(key, 4), rbm, plt, figures, md)
    return SectionResult(
        title="Energy-based models and p-bit sampling", markdown="\n".join(md), figures=figures
    )
