import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
from analogsim.devices import GainCell


def test_retention_follows_exponential_decay(getkey):
    dev = GainCell(g_min_us=0.1, g_max_us=2.0, bits=None, write_noise_std=0.0, tau_s=2e-3)
    g0 = jnp.linspace(0.1, 2.0, 11)
    cells = dev.program(g0, key=None)
    np.testing.assert_allclose(cells.g, g0, rtol=1e-6)
    for t in (0.0, 1e-4, 2e-3, 1e-2):
        expected = 0.1 + (g0 - 0.1) * math.exp(-t / 2e-3)
        np.testing.assert_allclose(dev.read(cells, t), expected, rtol=1e-6, atol=1e-7)
    # one tau: 1/e of the written conductance above g_min is left
    np.testing.assert_allclose(dev.retention(2e-3), math.exp(-1), rtol=1e-6)


def test_levels_and_write_noise_statistics(getkey):
    dev = GainCell(bits=2, write_noise_std=0.0)
    g = dev.program(jnp.linspace(0.0, 1.0, 1001), key=None).g
    np.testing.assert_allclose(np.unique(np.asarray(g)), [0, 1 / 3, 2 / 3, 1], atol=1e-6)
    noisy = GainCell(bits=None, write_noise_std=0.05)
    target = jnp.full((200_000,), 0.5)
    dev_g = noisy.program(target, key=getkey()).g - 0.5
    # 200k samples: the sample std of N(0, 0.05) is within 1% (about 6 standard errors) and the mean within 0.0005
    assert abs(float(jnp.std(dev_g)) / 0.05 - 1) < 0.01
    assert abs(float(jnp.mean(dev_g))) < 5e-4


def test_writes_need_a_key_and_bad_parameters_raise():
    with pytest.raises(ValueError, match="key"):
        GainCell(write_noise_std=0.01).program(jnp.ones(3), key=None)
    with pytest.raises(ValueError, match="tau_s"):
        GainCell(tau_s=0.0)
    with pytest.raises(ValueError, match="bits"):
        GainCell(bits=0)
    with pytest.raises(ValueError, match="write_noise_std"):
        GainCell(write_noise_std=-0.1)


def test_gaincell_as_static_crossbar_device_decays(getkey):
    # Used as the device of a static crossbar, the effective weights decay by exp(-t / tau) (both cells of the
    # differential pair leak towards g_min).
    W = jr.normal(getkey(), (6, 5))
    dev = GainCell(bits=None, write_noise_std=0.0, tau_s=10.0)
    cfg = asim.CrossbarConfig(
        device=dev, dac=asim.DAC(bits=None, bound=None), adc=asim.ADC(bits=None, bound=None)
    )
    xb = asim.program(W, cfg)
    np.testing.assert_allclose(xb.at(5.0).effective_weights(), W * math.exp(-0.5), rtol=1e-5, atol=1e-6)
