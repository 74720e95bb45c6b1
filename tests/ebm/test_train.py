import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import analogsim as asim
import ebm


def _tiny():
    k1, k2, k3 = jr.split(jr.key(30), 3)
    return ebm.RBM(W=0.5 * jr.normal(k1, (5, 3)), a=0.2 * jr.normal(k2, (5,)), b=0.2 * jr.normal(k3, (3,)))


def _data():
    return (jr.uniform(jr.key(31), (8, 5)) < 0.4).astype(jnp.float32)


def _flat(m):
    return jnp.concatenate([m.W.ravel(), m.a, m.b])


def _estimated_gradient(method, k, reps):
    """Gradient of the negative log-likelihood estimated by one SGD(lr=1) step: params_before - params_after."""
    m, data = _tiny(), _data()
    tr = ebm.Trainer(optimizer=optax.sgd(1.0), method=method, k=k, n_chains=data.shape[0] * reps)
    st = tr.init(m, key=jr.key(32))
    if method == "pcd":  # equilibrate the persistent chains first
        x = ebm.sample(m, key=jr.key(33), n_chains=tr.n_chains, n_samples=1, burn_in=50).final
        st = st._replace(chains=x)
    st2, info = tr.step(st, jnp.tile(data, (reps, 1)), key=jr.key(34))
    return _flat(m) - _flat(st2.model), info


def _exact_gradient():
    m, data = _tiny(), _data()
    g = jax.grad(lambda m: -ebm.exact_log_likelihood(m, data))(m)
    return _flat(g)


def test_pcd_gradient_matches_exact_likelihood_gradient():
    exact = _exact_gradient()
    est, info = _estimated_gradient("pcd", 1, 4000)
    cos, ratio = _cos_ratio(est, exact)
    assert cos > 0.99 and abs(ratio - 1) < 0.05, (cos, ratio)
    assert float(info.grad_norm) == pytest.approx(float(jnp.linalg.norm(est)), rel=1e-4)


def _exact_cd1_gradient():
    """The expectation of the CD-1 estimate, by enumeration: a step starts at `(v0, h0 ~ p(h | v0))` and its sweep
    resamples the visible block first, so the negative sample is `v1 ~ T(v1 | v0) = sum_h p(h | v0) p(v1 | h)`; the
    estimate is `mean_data dF/dtheta(v0) - mean_data sum_v1 T(v1 | v0) dF/dtheta(v1)`."""
    m, data = _tiny(), _data()
    V, H = ebm.all_states(5), ebm.all_states(3)

    def bernoulli(p, x):  # probability of the binary rows of x under independent units of probabilities p
        return jnp.prod(jnp.where(x[None] > 0, p[:, None], 1 - p[:, None]), axis=-1)

    p_h_given_data = bernoulli(jax.nn.sigmoid(m.b + data @ m.W), H)  # (8 data, 8 h)
    p_v_given_h = bernoulli(jax.nn.sigmoid(m.a + H @ m.W.T), V)  # (8 h, 32 v)
    T = p_h_given_data @ p_v_given_h
    np.testing.assert_allclose(T.sum(1), 1.0, atol=1e-5)
    dF = jax.vmap(lambda v: _flat(jax.grad(lambda mm: mm.free_energy(v))(m)))
    return jnp.mean(dF(data), 0) - jnp.mean(T @ dF(V), 0)


def _cos_ratio(est, want):
    cos = float(est @ want / (jnp.linalg.norm(est) * jnp.linalg.norm(want)))
    return cos, float(jnp.linalg.norm(est) / jnp.linalg.norm(want))


def test_cd_gradients_match_their_expectations():
    exact = _exact_gradient()
    cos, ratio = _cos_ratio(_estimated_gradient("cd", 30, 4000)[0], exact)  # CD-30 ~ the exact gradient
    assert cos > 0.99 and abs(ratio - 1) < 0.05, (cos, ratio)
    cd1_expected = _exact_cd1_gradient()
    cos, ratio = _cos_ratio(_estimated_gradient("cd", 1, 4000)[0], cd1_expected)
    assert cos > 0.995 and abs(ratio - 1) < 0.03, (cos, ratio)


@pytest.mark.parametrize("method", [pytest.param("cd", marks=pytest.mark.slow), "pcd", "pt"])
def test_training_increases_exact_likelihood(method):
    data = jnp.tile(jnp.array([[1, 1, 0, 0, 1], [0, 0, 1, 1, 0]], jnp.float32), (20, 1))
    m = ebm.RBM.init(5, 3, key=jr.key(40), std=0.1)
    tr = ebm.Trainer(optimizer=optax.adam(0.05), method=method, k=1, n_chains=40, betas=(1.0, 0.7, 0.4))
    st = tr.init(m, key=jr.key(41))
    before = float(ebm.log_likelihood(m, data))
    st = tr.fit(st, data, key=jr.key(42), epochs=30, batch_size=20).state
    after = float(ebm.log_likelihood(st.model, data))
    assert after > before + 1.5 and after > -1.5, (before, after)  # optimum is log(1/2) = -0.69
    # the two training patterns (2 of the 32 visible states: 6 % under the uniform start) hold most of the mass
    p = ebm.exact_probabilities(st.model, visible=True)[ebm.state_index(data[:2])]
    assert float(p.sum()) > 0.7 and float(p.min()) > 0.05, p
    assert int(st.step) == 60


def _same(a, b):
    for x, y in zip(
        jax.tree.leaves(eqx.filter(a, eqx.is_array)),
        jax.tree.leaves(eqx.filter(b, eqx.is_array)),
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)


def test_fit_runs_to_the_total_and_resumes_from_a_checkpoint(tmp_path):
    data = (jr.uniform(jr.key(50), (60, 6)) < 0.5).astype(jnp.float32)
    m = ebm.RBM.init(6, 4, key=jr.key(51))
    tr = ebm.Trainer(optimizer=optax.adam(0.01), method="pcd", k=2, n_chains=10)
    fit = lambda st, **kw: tr.fit(st, data, key=jr.key(53), batch_size=20, **kw)  # noqa: E731
    full = fit(tr.init(m, key=jr.key(52)), epochs=4)
    assert int(full.state.step) == 12 and [h["epoch"] for h in full.history] == [1, 2, 3, 4]
    assert all(np.isfinite(h["loss"]) and h["grad_norm"] > 0 for h in full.history)

    path = tmp_path / "ckpt" / "state.eqx"
    record = lambda e, st: {"step": int(st.step)}  # noqa: E731
    part = fit(tr.init(m, key=jr.key(52)), epochs=2, checkpoint=path, callback=record)
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    ck = asim.checkpoint.load(path, part.state)
    assert ck.epoch == 2 and ck.history == part.history and ck.history[1]["step"] == 6
    # asked for 4 in total: the checkpoint's 2 epochs are kept (with their history) and 2 more run
    resumed = fit(tr.init(m, key=jr.key(99)), epochs=4, checkpoint=path, callback=record)
    _same(full.state, resumed.state)
    assert [h["step"] for h in resumed.history] == [3, 6, 9, 12]
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in full.history]
    # a state that already ran some epochs continues to the total as well
    _same(full.state, fit(part.state, epochs=4).state)
    with pytest.raises(ValueError, match="more than the 2 asked"):
        fit(tr.init(m, key=jr.key(52)), epochs=2, checkpoint=path)


def test_fit_refuses_another_runs_checkpoint(tmp_path):
    data = (jr.uniform(jr.key(50), (60, 6)) < 0.5).astype(jnp.float32)
    m = ebm.RBM.init(6, 4, key=jr.key(51))
    tr = ebm.Trainer(optimizer=optax.adam(0.01), method="pcd", k=2, n_chains=10)
    path = tmp_path / "state.eqx"
    tr.fit(tr.init(m, key=jr.key(52)), data, key=jr.key(53), epochs=1, batch_size=20, checkpoint=path)
    with pytest.raises(ValueError, match="another run.*batch_size"):
        tr.fit(tr.init(m, key=jr.key(52)), data, key=jr.key(53), epochs=2, batch_size=30, checkpoint=path)
    with pytest.raises(ValueError, match="another run.*data_sha256"):
        tr.fit(
            tr.init(m, key=jr.key(52)), 1.0 - data, key=jr.key(53), epochs=2, batch_size=20, checkpoint=path
        )
    other = ebm.Trainer(optimizer=optax.adam(0.01), method="cd", k=2, n_chains=10)
    with pytest.raises(ValueError, match="another run.*trainer"):
        other.fit(
            other.init(m, key=jr.key(52)), data, key=jr.key(53), epochs=2, batch_size=20, checkpoint=path
        )
    with pytest.raises(ValueError, match="another run.*lr"):
        tr.fit(
            tr.init(m, key=jr.key(52)),
            data,
            key=jr.key(53),
            epochs=2,
            batch_size=20,
            checkpoint=path,
            run={"lr": 0.01},
        )


@pytest.mark.slow
def test_log_likelihood_auto_uses_ais_for_large_models():
    m = ebm.RBM.init(30, 30, key=jr.key(60), std=0.05)
    data = (jr.uniform(jr.key(61), (10, 30)) < 0.5).astype(jnp.float32)
    with pytest.raises(ValueError, match="pass key"):
        ebm.log_likelihood(m, data)
    ll = ebm.log_likelihood(m, data, key=jr.key(62), n_chains=100, n_betas=200)
    # weak couplings: close to 30 independent fair bits plus the weak interaction; exact ~ -30 log 2
    assert abs(float(ll) + 30 * np.log(2)) < 0.5


def test_trainer_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        ebm.Trainer(optimizer=optax.sgd(0.1), method="bogus")
    with pytest.raises(ValueError, match="betas must be strictly decreasing"):
        ebm.Trainer(optimizer=optax.sgd(0.1), method="pt", betas=(0.5, 1.0))
    with pytest.raises(ValueError, match="optax.GradientTransformation"):
        ebm.Trainer(optimizer="adam")
    tr = ebm.Trainer(optimizer=optax.sgd(0.1))
    m = ebm.RBM.init(4, 2, key=jr.key(0))
    st = tr.init(m, key=jr.key(1))
    with pytest.raises(ValueError, match="binary"):
        tr.fit(st, jnp.full((10, 4), 0.3), key=jr.key(2), epochs=1, batch_size=5)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 4\)"):
        tr.fit(st, jnp.zeros((10, 5)), key=jr.key(2), epochs=1, batch_size=5)
    with pytest.raises(ValueError, match="batch_size"):
        tr.fit(st, jnp.zeros((10, 4)), key=jr.key(2), epochs=1, batch_size=11)
    with pytest.raises(ValueError, match="epochs"):
        tr.fit(st, jnp.zeros((10, 4)), key=jr.key(2), epochs=-1, batch_size=5)


def test_fit_raises_on_divergence_and_keeps_the_last_finite_checkpoint(tmp_path):
    data = (jr.uniform(jr.key(50), (60, 6)) < 0.5).astype(jnp.float32)
    m = ebm.RBM.init(6, 4, key=jr.key(51))
    # 3 steps per epoch; from step 6 on (epoch 3) the learning rate is far too large: the parameters overflow
    lr = lambda step: jnp.where(step >= 6, 1e38, 0.01)  # noqa: E731
    tr = ebm.Trainer(optimizer=optax.sgd(lr), method="pcd", k=1, n_chains=10)
    path = tmp_path / "state.eqx"
    with pytest.raises(
        ValueError, match="diverged in epoch 3: .*NaN or infinite; use a smaller learning rate"
    ):
        tr.fit(tr.init(m, key=jr.key(1)), data, key=jr.key(2), epochs=5, batch_size=20, checkpoint=path)
    ck = asim.checkpoint.load(path, tr.init(m, key=jr.key(1)))
    assert ck.epoch == 2 and [h["epoch"] for h in ck.history] == [1, 2]
    assert all(np.all(np.isfinite(np.asarray(x))) for x in jax.tree.leaves(eqx.filter(ck.tree, eqx.is_array)))
    calls = []
    nan_start = tr.init(eqx.tree_at(lambda r: r.W, m, m.W.at[0, 0].set(jnp.nan)), key=jr.key(1))
    with pytest.raises(ValueError, match="diverged in epoch 1"):
        tr.fit(nan_start, data, key=jr.key(2), epochs=1, batch_size=20, callback=lambda e, s: calls.append(e))
    assert calls == []  # the callback never sees a diverged state
