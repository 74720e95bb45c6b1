"""Train RBMs on scikit-learn's 8x8 digits and score them by exact and AIS test log-likelihood.

    python examples/rbm_digits.py --json rbm_digits.json [--quick]

Data: `sklearn.datasets.load_digits` (bundled with scikit-learn, no download), binarized at 8 (pixel >= 8), test
split 20% with `random_state=0` (`analogsim_lab.rbm_digits.load_binary_digits`). Two RBMs are trained by
`analogsim_lab.rbm_digits.train_digits_rbm` (tempered persistent contrastive divergence: 300 persistent chains run by parallel tempering over 4 temperatures,
one round per step, batch 10, Adam with cosine decay from 0.005, L2 weight decay 5e-4): 64 visible x 20 hidden for
`DIGITS_RBM_EPOCHS` (600) epochs, scored exactly by enumerating the 2**20 hidden states, and 64 x 100 for 150
epochs, scored by annealed importance sampling with a data base-rate model. The same seed gives the same 64x20
model and figure as the `ebm` section of `analogsim report`.

JSON keys: `test_ll_exact_64x20`, `test_ll_ais_64x100`, `ais_minus_exact_64x20` (AIS estimate of the 64x20
test log-likelihood minus its exact value), `independent_pixels_ll` (the independent-Bernoulli baseline fitted on
the training split); all in nats per test image. Extra keys under `"details"`.
"""

from __future__ import annotations

import argparse
import sys
import time

import jax
import jax.numpy as jnp
import jax.random as jr

import ebm
from analogsim import io as _io
from analogsim_lab import rbm_digits


def train_rbm(train, n_hidden: int, epochs: int, *, key, log=print):
    """`analogsim_lab.rbm_digits.train_digits_rbm` with a learning curve (exact training log-likelihood, 64x20
    only)."""

    def callback(e, st):
        if (e + 1) % max(1, epochs // 10) == 0 and n_hidden <= 24:
            ll = float(ebm.log_likelihood(st.model, train))
            log(f"  {n_hidden} hidden, epoch {e + 1}/{epochs}: train LL {ll:.3f}")
            return {"train_ll": ll}
        return None

    res = rbm_digits.train_digits_rbm(train, n_hidden, epochs, key=key, callback=callback)
    return res.state.model, [(h["epoch"], h["train_ll"]) for h in res.history if "train_ll" in h]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", required=True, help="where to write the results (atomically)")
    ap.add_argument("--quick", action="store_true", help="fewer epochs and AIS temperatures (CI)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.perf_counter()
    train, test = rbm_digits.load_binary_digits()
    key = jr.key(args.seed)
    epochs20, epochs100 = (60, 20) if args.quick else (rbm_digits.DIGITS_RBM_EPOCHS, 150)
    ais_chains, ais_betas = (200, 1000) if args.quick else (500, 10000)
    base = train.mean(0)

    log(f"training 64x20 RBM for {epochs20} epochs")
    rbm20, curve = train_rbm(train, 20, epochs20, key=jr.fold_in(key, 20), log=log)
    ll20 = float(ebm.log_likelihood(rbm20, test, method="exact"))
    ais20 = ebm.ais_log_partition(
        rbm20, key=jr.fold_in(key, 1), n_chains=ais_chains, n_betas=ais_betas, base_visible_mean=base
    )
    ll20_ais = float(-jnp.mean(jax.vmap(rbm20.free_energy)(jnp.asarray(test))) - ais20.log_z)
    log(f"64x20 test LL exact {ll20:.3f}, AIS {ll20_ais:.3f} (+/- {float(ais20.stderr):.3f})")

    log(f"training 64x100 RBM for {epochs100} epochs")
    rbm100, _ = train_rbm(train, 100, epochs100, key=jr.fold_in(key, 100), log=log)
    ais100 = ebm.ais_log_partition(
        rbm100, key=jr.fold_in(key, 2), n_chains=ais_chains, n_betas=ais_betas, base_visible_mean=base
    )
    ll100 = float(-jnp.mean(jax.vmap(rbm100.free_energy)(jnp.asarray(test))) - ais100.log_z)
    log(f"64x100 test LL (AIS) {ll100:.3f} (+/- {float(ais100.stderr):.3f})")

    out = {
        "test_ll_exact_64x20": ll20,
        "test_ll_ais_64x100": ll100,
        "ais_minus_exact_64x20": ll20_ais - ll20,
        "independent_pixels_ll": rbm_digits.independent_pixels_ll(train, test),
        "details": {
            "quick": args.quick,
            "seed": args.seed,
            "epochs": {"64x20": epochs20, "64x100": epochs100},
            "ais": {
                "chains": ais_chains,
                "betas": ais_betas,
                "stderr_64x20": float(ais20.stderr),
                "stderr_64x100": float(ais100.stderr),
            },
            "recipe": {
                k: list(v) if isinstance(v, tuple) else v for k, v in rbm_digits.DIGITS_RBM_RECIPE.items()
            },
            "train_ll_curve_64x20": curve,
            "target_test_ll_exact_64x20": -18.0,
            "seconds": round(time.perf_counter() - t0, 1),
        },
    }
    _io.write_json(args.json, out)
    log(f"wrote {args.json} in {out['details']['seconds']} s")
    return out


if __name__ == "__main__":
    main()
