"""The `analogsim report` section for energy-based models: learning curves, samples as images, Hopfield recall vs
load, p-bit sampler TV vs hardware noise, and energy per spin update vs digital.

Each part is three functions: one computes (its figures go to `results.json`), one plots, one writes Markdown.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import analogsim as asim
import ebm
from analogsim import cost, timing

from ..rbm_digits import DIGITS_RBM_EPOCHS, independent_pixels_ll, load_binary_digits, train_digits_rbm
from .context import Context, SectionResult, pyplot

# -- training on digits -----------------------------------------------------------------------------------------


def _learning(ctx: Context, key) -> dict:
    """Train the 64x20 RBM (the recipe and key of `examples/rbm_digits.py`: the same model and figure), score it
    exactly every `epochs // 10` epochs, and draw 16 samples from it."""
    train, test = load_binary_digits()
    epochs = 6 if ctx.quick else DIGITS_RBM_EPOCHS
    every = 2 if ctx.quick else epochs // 10
    ctx.progress(f"ebm: training a 64x20 RBM on digits ({epochs} epochs, tempered PCD)")

    def score(e, st):  # stored in the checkpoint's history: a resumed run keeps its whole curve
        if (e + 1) % every:
            return None
        return {
            "train_ll": float(ebm.log_likelihood(st.model, train)),
            "test_ll": float(ebm.log_likelihood(st.model, test)),
        }

    ck = ctx.checkpoint_dir / "ebm_rbm20.ckpt"
    ck.parent.mkdir(parents=True, exist_ok=True)
    res = train_digits_rbm(train, 20, epochs, key=key, checkpoint=ck, callback=score)
    curve = [(h["epoch"], h["train_ll"], h["test_ll"]) for h in res.history if "test_ll" in h]
    ctx.progress("ebm: sampling digits from the trained RBM")
    burn_in = 200 if ctx.quick else 1000
    s = ebm.sample(res.state.model, key=jr.fold_in(key, 3), n_chains=16, n_samples=1, burn_in=burn_in)
    return {
        "model": res.state.model,
        "train": train,
        "test": test,
        "samples": np.asarray(s.samples[0, :, :64]).reshape(16, 8, 8),
        "burn_in": burn_in,
        "figures": {
            "epochs": epochs,
            "curve_epoch_train_test": curve,
            "test_ll_exact_64x20": curve[-1][2],
            "independent_pixels_ll": independent_pixels_ll(train, test),
        },
    }


def _plot_learning(ctx: Context, plt, d: dict) -> tuple[str, str]:
    fig_d = d["figures"]
    c = np.array(fig_d["curve_epoch_train_test"])
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(c[:, 0], c[:, 1], "o-", label="train (exact)")
    ax.plot(c[:, 0], c[:, 2], "s-", label="test (exact)")
    ax.axhline(fig_d["independent_pixels_ll"], color="gray", ls="--", label="independent pixels (test)")
    ax.axhline(-18.0, color="k", ls=":", label="target -18.0")
    ax.set(xlabel="epoch", ylabel="log-likelihood (nats / image)", title="64x20 RBM on 8x8 digits")
    ax.legend(fontsize=7)
    f1 = ctx.save_figure(fig, "ebm_learning_curve.png")
    fig, axes = plt.subplots(2, 16, figsize=(8, 1.2))
    for i in range(16):
        axes[0, i].imshow(d["test"][i].reshape(8, 8), cmap="gray_r")
        axes[1, i].imshow(d["samples"][i], cmap="gray_r")
        axes[0, i].axis("off")
        axes[1, i].axis("off")
    return f1, ctx.save_figure(fig, "ebm_samples.png")


def _learning_markdown(d: dict, f1: str, f2: str) -> str:
    f = d["figures"]
    return (
        f"**Training.** A 64x20 RBM trained by tempered PCD on scikit-learn's 8x8 digits (binarized at 8, 20% test "
        f"split, `random_state=0`) reaches an exact test log-likelihood of **{f['test_ll_exact_64x20']:.3f} "
        f"nats/image** after {f['epochs']} epochs (independent pixels: {f['independent_pixels_ll']:.3f}; target "
        f"-18.0 with the full {DIGITS_RBM_EPOCHS}-epoch run; `examples/rbm_digits.py` also scores a 64x100 RBM by "
        f"AIS).\n\n![learning curve]({f1})\n\nTop: test digits; bottom: RBM samples (independent chains after "
        f"{d['burn_in']} Gibbs sweeps).\n\n![samples]({f2})\n"
    )


# -- associative memory -------------------------------------------------------------------------------------------

_RECALL_RULES = (
    ("hebbian", "Hopfield, Hebb"),
    ("storkey", "Hopfield, Storkey"),
    ("modern", "modern (softmax)"),
)


def _hopfield(ctx: Context, key, train) -> dict:
    """Exact recall rate of binarized digits from 30% flipped pixels, vs the number of stored patterns."""
    ctx.progress("ebm: Hopfield recall vs load")
    rng = np.random.default_rng(int(jr.randint(key, (), 0, 2**31 - 1)))
    pool = 2.0 * train - 1.0
    pool = pool[np.unique(pool, axis=0, return_index=True)[1]]
    loads = [3, 8, 20] if ctx.quick else [2, 4, 6, 8, 10, 13, 16, 20, 24, 32]
    trials = 1 if ctx.quick else 5
    res = {name: [] for name, _ in _RECALL_RULES}
    for p in loads:
        acc = {k: [] for k in res}
        for _ in range(trials):
            pats = jnp.asarray(pool[rng.choice(len(pool), p, replace=False)])
            flip = jnp.asarray(rng.random(pats.shape) < 0.3)
            noisy = jnp.where(flip, -pats, pats)
            for name, rec in (
                ("hebbian", ebm.Hopfield.hebbian(pats).recall(noisy, sweeps=5)),
                ("storkey", ebm.Hopfield.storkey(pats).recall(noisy, sweeps=5)),
                ("modern", ebm.ModernHopfield(pats, beta=1.0).recall(noisy, steps=3)),
            ):
                acc[name].append(float(jnp.mean(jnp.all(rec == pats, axis=1))))
        for k in res:
            res[k].append(float(np.mean(acc[k])))
    return {"loads_patterns": loads, "flip_fraction": 0.3, "trials": trials, **res}


def _plot_hopfield(ctx: Context, plt, figures: dict) -> str:
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for k, lab in _RECALL_RULES:
        ax.plot(np.array(figures["loads_patterns"]) / 64, figures[k], "o-", label=lab)
    ax.set(
        xlabel="load (patterns / 64 units)",
        ylabel="exact recall rate",
        title="recall from 30% flipped pixels",
    )
    ax.legend(fontsize=7)
    return ctx.save_figure(fig, "ebm_hopfield_recall.png")


def _hopfield_markdown(f: str) -> str:
    return (
        "**Associative memory.** Binarized digits stored in a 64-unit network and recalled from 30% flipped pixels "
        "(exact recall rate). Correlated digit images overload the classical network far below the 0.138 n "
        "random-pattern capacity; Storkey's rule helps a little; the modern softmax network keeps recalling.\n\n"
        f"![hopfield]({f})\n"
    )


# -- p-bit sampling under hardware noise ------------------------------------------------------------------------


def _noise_sweeps(quick: bool) -> dict:
    """The crossbar configurations swept: name -> (noise levels, level -> `analogsim.CrossbarConfig`)."""
    ideal = dict(device=asim.devices.Ideal(), dac=asim.DAC(bits=None, bound=None))
    return {
        "ADC output noise (ideal device)": (
            [0.0, 1.0] if quick else [0.0, 0.05, 0.1, 0.2, 0.5, 1.0],
            lambda s: asim.CrossbarConfig(**ideal, adc=asim.ADC(bits=None, bound=None, noise_std=s)),
        ),
        "PCM + 8-bit converters, read noise": (
            [0.1] if quick else [0.0, 0.02, 0.05, 0.1, 0.2],
            lambda s: asim.CrossbarConfig(
                device=asim.devices.PCM(),
                dac=asim.DAC(bits=8),
                adc=asim.ADC(bits=8),
                read_noise=asim.ReadNoise(s),
            ),
        ),
    }


def _tv_noise(ctx: Context, key) -> dict:
    """TV distance to the exact distribution of a random 6x4 RBM: digital Gibbs (the sampling floor) and the p-bit
    sampler on each noisy crossbar configuration."""
    ctx.progress("ebm: p-bit sampler TV vs hardware noise")
    k1, k2, k3 = jr.split(jr.fold_in(key, 10), 3)
    model = ebm.RBM(W=0.8 * jr.normal(k1, (6, 4)), a=0.3 * jr.normal(k2, (6,)), b=0.3 * jr.normal(k3, (4,)))
    p = ebm.exact_probabilities(model)
    n_chains, n_samples = (256, 128) if ctx.quick else (2048, 512)

    def tv(samples):
        return float(ebm.total_variation(p, ebm.empirical_distribution(samples)))

    gibbs = ebm.sample(model, key=jr.fold_in(key, 11), n_chains=n_chains, n_samples=n_samples, burn_in=20)
    out = {
        "model": "random RBM 6x4 (1024 joint states)",
        "samples": n_chains * n_samples,
        "gibbs_tv": tv(gibbs.samples),
    }
    for i, (name, (levels, make)) in enumerate(_noise_sweeps(ctx.quick).items()):
        tvs = []
        for j, s in enumerate(levels):
            kp, ks = jr.split(jr.fold_in(jr.fold_in(key, 12 + i), j))
            mach = ebm.pbit_machine(model, make(s), key=kp)
            tvs.append(
                tv(ebm.sample_pbit(mach, key=ks, n_chains=n_chains, n_samples=n_samples, burn_in=20).samples)
            )
        out[name] = {"noise_std": levels, "tv": tvs}
    return out


def _plot_tv_noise(ctx: Context, plt, figures: dict) -> str:
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, d in figures.items():
        if isinstance(d, dict):
            ax.plot(d["noise_std"], d["tv"], "o-", label=name)
    ax.axhline(figures["gibbs_tv"], color="gray", ls="--", label="digital Gibbs (sampling floor)")
    ax.set(
        xlabel="noise std (normalized column units)",
        ylabel="TV to exact",
        title="p-bit sampler vs hardware noise",
    )
    ax.legend(fontsize=7)
    return ctx.save_figure(fig, "ebm_tv_noise.png")


def _tv_noise_markdown(figures: dict, f: str) -> str:
    return (
        f"**Analog p-bit sampling.** Local fields from an `analogsim` crossbar, noisy-comparator p-bits. With ideal "
        f"hardware the sampler is exact block Gibbs (TV at the sampling floor, {figures['gibbs_tv']:.4f} with "
        f"{figures['samples']} samples); hardware noise biases the fields and the stationary distribution drifts "
        f"away from the model's.\n\n![tv vs noise]({f})\n"
    )


# -- energy and time per spin update ------------------------------------------------------------------------------


def _throughput(model, n_chains: int, sweeps: int, key) -> float:
    """Measured spin updates per second of jitted block Gibbs (median of warm runs, `analogsim.timing`)."""
    x0, k = ebm.random_states(model, n_chains, key=key), jr.fold_in(key, 1)
    run = jax.jit(
        lambda x, k: jax.lax.fori_loop(
            0, sweeps, lambda t, x: ebm.gibbs_sweep(model, x, 1.0, jr.fold_in(k, t)), x
        )
    )
    seconds = timing.median_time(lambda: run(x0, k), repeats=3, warmup=1)
    return sweeps * n_chains * model.n_units / seconds


_BOTTOM_UP = ("dac", "array", "adc", "pbit", "io")
"""The components of the bottom-up table (the others are zero there)."""


def _energy(ctx: Context, key, rbm) -> dict:
    """Energy and time per spin update: measured CPU throughput priced at `analogsim.cost.CPU_POWER_W`, p-bit
    machines from the literature, and the crossbar p-bit sampler priced by `analogsim.cost` (bottom-up, and
    HERMES-calibrated PCM)."""
    ctx.progress("ebm: measuring digital sampling throughput")
    lattice = ebm.BoltzmannMachine.lattice(64, coupling=0.4, spin=True)
    costs = {
        "CPU, this run: 64x64 Ising, 64 chains": ebm.digital_cost(
            _throughput(lattice, 64, 20 if ctx.quick else 200, jr.fold_in(key, 20))
        ),
        "CPU, this run: 64x20 RBM, 64 chains": ebm.digital_cost(
            _throughput(rbm, 64, 200 if ctx.quick else 2000, jr.fold_in(key, 21))
        ),
        **ebm.literature_costs(),
    }
    bottom_up = ebm.pbit_sweep_cost(rbm, ebm.pbit_bottom_up())
    hermes = ebm.pbit_sweep_cost(rbm, cost.pcm_hermes())
    costs["analog crossbar p-bits, bottom-up (no periphery): 64x20 RBM"] = ebm.per_spin_update(
        bottom_up, rbm.n_units
    )
    costs["analog crossbar p-bits, analogsim.cost (PCM/HERMES): 64x20 RBM"] = ebm.per_spin_update(
        hermes, rbm.n_units
    )
    crossbar = {f"crossbar {k}": v for k, v in hermes.energy_j.items() if k in cost.COMPONENTS}
    return {
        "rows": {
            k: {"energy_per_update_j": c.total_j, "time_per_update_s": c.time_s} for k, c in costs.items()
        },
        "cpu_watts_assumed": cost.CPU_POWER_W,
        "analog_breakdown_j_per_sweep": {k: bottom_up.energy_j[k] for k in _BOTTOM_UP},
        "analogsim_cost_breakdown_j_per_sweep": {
            **crossbar,
            "pbit": hermes.energy_j["pbit"],
            "io": hermes.energy_j["io"],
        },
        "sources": {k: {kk: vv.source for kk, vv in d.items()} for k, d in ebm.LITERATURE.items()},
    }


def _plot_energy(ctx: Context, plt, figures: dict) -> str:
    rows = figures["rows"]
    names = list(rows)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    axes[0].barh(names, [rows[k]["energy_per_update_j"] for k in names])
    axes[0].set(xscale="log", xlabel="J per spin update")
    axes[1].barh(names, [rows[k]["time_per_update_s"] for k in names])
    axes[1].set(xscale="log", xlabel="s per spin update (machine throughput)")
    axes[1].set_yticklabels([])
    return ctx.save_figure(fig, "ebm_energy_per_update.png")


def _energy_markdown(figures: dict, f: str) -> str:
    rows = figures["rows"]
    lines = "\n".join(
        f"| {k} | {r['energy_per_update_j']:.2e} | {r['time_per_update_s']:.2e} |" for k, r in rows.items()
    )
    return (
        "**Energy and time per spin update.** CPU rows are measured throughput priced at an assumed "
        f"{figures['cpu_watts_assumed']:.0f} W (`analogsim.cost.CPU_POWER_W`); p-bit rows are literature figures "
        "(sources in `results.json`; FPGA power is an assumption); the analog rows price the crossbar sampler with "
        "`analogsim.cost`: the bottom-up table `ebm.pbit_bottom_up` (ADC, DAC, cell reads; no periphery) and PCM "
        "calibrated to IBM HERMES (periphery included), each plus the p-bit and state-I/O energy of `ebm.PBitTech`."
        "\n\n| platform | J / update | s / update |\n|---|---|---|\n" + lines + f"\n\n![energy]({f})\n"
    )


def ebm_section(ctx: Context) -> SectionResult:
    """Energy-based models: training, sampling, associative memory and hardware sampling cost."""
    plt = pyplot()
    key = jr.key(ctx.seed)
    learning = _learning(ctx, jr.fold_in(key, 20))
    hopfield = _hopfield(ctx, jr.fold_in(key, 2), learning["train"])
    tv = _tv_noise(ctx, jr.fold_in(key, 3))
    energy = _energy(ctx, jr.fold_in(key, 4), learning["model"])
    md = [
        _learning_markdown(learning, *_plot_learning(ctx, plt, learning)),
        _hopfield_markdown(_plot_hopfield(ctx, plt, hopfield)),
        _tv_noise_markdown(tv, _plot_tv_noise(ctx, plt, tv)),
        _energy_markdown(energy, _plot_energy(ctx, plt, energy)),
    ]
    figures = {
        "rbm_digits": learning["figures"],
        "hopfield_recall": hopfield,
        "pbit_tv_vs_noise": tv,
        "energy_per_spin_update": energy,
    }
    return SectionResult(
        title="Energy-based models and p-bit sampling", markdown="\n".join(md), figures=figures
    )
