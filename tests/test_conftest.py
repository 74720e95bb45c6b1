"""The shared test fixtures do what they say."""


def test_count_compiles_sees_a_new_shape_and_not_a_cached_one(count_compiles):
    import jax
    import jax.numpy as jnp

    f = jax.jit(lambda x: jnp.sin(x) * 3.0)
    x3, x4 = jnp.ones(3), jnp.ones(4)
    with count_compiles() as c:
        f(x3).block_until_ready()
    assert c.count == 1
    with count_compiles() as c:
        f(x3).block_until_ready()
    assert c.count == 0
    with count_compiles() as c:
        f(x4).block_until_ready()
    assert c.count == 1
