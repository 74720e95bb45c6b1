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
        lambda: asim.ADC(bits=8, bound=float("inf")),
        lambda: asim.ADC(bits=8, noise_std=float("inf")),
    ],
)
def test_bad_converters_raise(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("cls", [asim.DAC, asim.ADC])
@pytest.mark.parametrize("bits", [25, 40, 64])
def test_too_many_bits_raise_at_construction(cls, bits):
    # float32 levels: more than 24 bits cannot be told apart, and 2**(bits - 1) overflows int32 beyond 32
    with pytest.raises(ValueError, match=r"\[1, 24\]"):
        cls(bits=bits)
    assert cls(bits=24).bits == 24


@pytest.mark.parametrize(
    "bits, bound, match",
    [(-2, 1.0, "bits"), (0, 1.0, "bits"), (25, 1.0, "bits"), (2.0, 1.0, "bits"), (4, 0.0, "bound"),
     (4, -1.0, "bound"), (4, float("nan"), "bound"), (None, -1.0, "bound"), (4, None, "bound")],
)  # fmt: skip
def test_quantize_rejects_bad_bits_and_bounds(bits, bound, match):
    with pytest.raises(ValueError, match=match):
        asim.quantize(jnp.linspace(-2.0, 2.0, 9), bits, bound)


def test_quantize_traced_bound_is_not_checked_but_works():
    q = jax.jit(lambda b: asim.quantize(jnp.asarray([0.26, 3.0]), 4, b))(1.0)
    np.testing.assert_allclose(q, [2 / 7, 1.0], rtol=1e-6)
