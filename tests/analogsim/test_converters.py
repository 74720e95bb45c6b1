import jax
import jax.numpy as jnp
import numpy as np
import pytest

import analogsim as asim


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
def test_quantize_levels_and_clipping(bits):
    x = jnp.linspace(-3.0, 3.0, 20001)
    q = np.asarray(asim.quantize(x, bits, 2.0))
    levels = np.unique(q)
    n = 2 ** (bits - 1) - 1
    assert len(levels) == 2**bits - 1
    np.testing.assert_allclose(levels, np.arange(-n, n + 1) * 2.0 / n, atol=1e-6)
    assert q.min() == -2.0 and q.max() == 2.0
    # Round to nearest: error at most half a step inside the range.
    inside = np.abs(np.asarray(x)) <= 2.0
    assert np.max(np.abs(q - np.asarray(x))[inside]) <= 1.0 / n + 1e-6


def test_one_bit_is_sign():
    q = asim.quantize(jnp.array([-0.3, 0.0, 0.2, 5.0]), 1, 1.5)
    np.testing.assert_array_equal(q, [-1.5, 1.5, 1.5, 1.5])


def test_ideal_quantizer_only_clips():
    x = jnp.array([-5.0, 0.1234567, 5.0])
    np.testing.assert_array_equal(asim.quantize(x, None, None), x)
    np.testing.assert_array_equal(asim.quantize(x, None, 1.0), jnp.array([-1.0, 0.1234567, 1.0]))


def test_straight_through_gradient():
    g = jax.grad(lambda x: jnp.sum(asim.quantize(x, 4, 1.0) * jnp.arange(1.0, 4.0)))(
        jnp.array([0.33, -0.71, 1.5])
    )
    np.testing.assert_allclose(g, [1.0, 2.0, 0.0])  # identity inside the range, 0 where clipped


def test_dac_scaling_makes_output_independent_of_magnitude():
    dac = asim.DAC(bits=6, bound=1.0, scale_inputs=True)
    x = jnp.array([[0.1, -0.4, 0.25], [10.0, -40.0, 25.0]])
    v, gain = dac(x)
    np.testing.assert_allclose(v[0], v[1], atol=1e-6)
    assert np.max(np.abs(v)) == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(v * gain), np.asarray(x), rtol=0.05, atol=0.02 * 40)


@pytest.mark.parametrize(
    "make",
    [
        lambda: asim.DAC(bits=0),
        lambda: asim.DAC(bits=-3),
        lambda: asim.DAC(bits=2.5),
        lambda: asim.DAC(bits=8, bound=0.0),
        lambda: asim.DAC(bits=8, bound=-1.0),
        lambda: asim.DAC(bits=8, bound=None),
        lambda: asim.ADC(bits=0),
        lambda: asim.ADC(bits=8, bound=0.0),
        lambda: asim.ADC(bits=8, noise_std=-0.1),
        lambda: asim.ADC(bits=8, bound=float("nan")),
    ],
)
def test_bad_converters_raise(make):
    with pytest.raises(ValueError):
        make()
