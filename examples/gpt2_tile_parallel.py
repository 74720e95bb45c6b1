"""A GPT-2-small-sized analog transformer, forward pass with every crossbar tile-parallel over forced host devices.

```bash
python examples/gpt2_tile_parallel.py [--layers 12] [--seq 1024] [--devices 4] [--json PATH]
```

GPT-2 small's shape (d_model 768, 12 heads, 12 layers, vocabulary 50257, context 1024; 124M parameters with the
head tied to the embedding, 163M here where the head is its own 768 x 50257 crossbar) on PCM 8-bit crossbars with
read noise and global drift compensation, one day after programming. Every analog layer's input tiles (192 rows,
so 768 and 3072 inputs split into 4 and 16 tiles) are spread over `--devices` CPU devices
(`XLA_FLAGS=--xla_force_host_platform_device_count`): each device programs, ages and holds its quarter, and one
all-reduce per MVM adds the tile partial sums. Prints the bytes each device holds (analog arrays split, digital
parameters replicated), the forward's per-device temporaries and its wall time.
"""

import argparse
import os
import sys


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--layers", type=int, default=12, help="transformer blocks (GPT-2 small: 12)")
    p.add_argument("--seq", type=int, default=1024, help="tokens in the sequence (GPT-2 small's context: 1024)")
    p.add_argument("--devices", type=int, default=4, help="forced host devices the tiles are split over")
    p.add_argument("--d-model", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--tile-rows", type=int, default=192, help="crossbar rows per tile (inputs per input tile)")
    p.add_argument("--repeats", type=int, default=1, help="timed forward passes after one warm-up (median)")
    p.add_argument("--json", default=None, help="write the figures to this file")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    # The device count is fixed when JAX starts: set it before the first import of jax.
    if "jax" not in sys.modules:
        flag = f"--xla_force_host_platform_device_count={args.devices}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    run(args)


def run(args: argparse.Namespace) -> dict:
    import dataclasses

    import equinox as eqx
    import jax
    import jax.random as jr

    import analogsim as asim
    import analogsim.distributed as dist
    from analogsim import nn, timing
    from analogsim_lab.presets import pcm_8bit
    from analogsim_lab.scripts import save_json

    if len(jax.devices()) < args.devices:
        raise SystemExit(f"need {args.devices} devices, JAX sees {len(jax.devices())}: start a fresh interpreter")
    mesh = dist.mesh({"model": args.devices}, devices=jax.devices()[: args.devices])
    cfg = dataclasses.replace(pcm_8bit(read_noise_std=0.01, drift_compensation=True), tile=(args.tile_rows, 512))
    digital = nn.TinyTransformer(args.vocab, args.d_model, args.heads, args.layers, args.seq, key=jr.key(0))
    model = dist.shard_model(asim.analogize(digital, cfg, attention="projections"), mesh)
    del digital
    model = nn.age_model(asim.program_model(model, key=jr.key(1)), 86400.0, key=jr.key(2))
    tokens = jr.randint(jr.key(3), (args.seq,), 0, args.vocab)
    arrays, static = eqx.partition(model, eqx.is_array)
    forward = jax.jit(lambda a, t, k: eqx.combine(a, static)(t, key=k))
    seconds = timing.median_time(lambda: forward(arrays, tokens, jr.key(4)), repeats=args.repeats, warmup=1)

    def is_analog(x) -> bool:
        return isinstance(x, nn.AnalogLinear)

    layers = [x for x in jax.tree.leaves(model, is_leaf=is_analog) if is_analog(x)]
    analog = [(layer.weight, layer.crossbar.weights, layer.crossbar.w) for layer in layers]
    per_device = dist.device_bytes(model)
    analog_per_device = dist.device_bytes(analog)
    whole = sum(a.nbytes for a in jax.tree.leaves(eqx.filter(model, eqx.is_array)))
    analog_whole = sum(a.nbytes for a in jax.tree.leaves(analog))
    # the trained parameters: each analog layer's weight and bias (not its crossbar), every other array
    trained = jax.tree.map(
        lambda x: eqx.tree_at(lambda m: m.crossbar, x, None) if is_analog(x) else x, model, is_leaf=is_analog
    )
    params = sum(a.size for a in jax.tree.leaves(eqx.filter(trained, eqx.is_array)))
    temp = forward.lower(arrays, tokens, jr.key(4)).compile().memory_analysis()
    out = {
        "layers": args.layers, "seq": args.seq, "devices": args.devices, "d_model": args.d_model,
        "parameters": int(params), "analog_crossbars": len(layers),
        "bytes_whole": int(whole), "analog_bytes_whole": int(analog_whole),
        "bytes_per_device": sorted(int(v) for v in per_device.values()),
        "analog_bytes_per_device": sorted(int(v) for v in analog_per_device.values()),
        "forward_temp_bytes_per_device": None if temp is None else int(temp.temp_size_in_bytes),
        "forward_seconds": seconds,
    }  # fmt: skip
    mb = 2.0**20
    print(f"{args.layers} layers, d_model {args.d_model}, seq {args.seq}, {params / 1e6:.1f}M parameters, "
          f"{len(layers)} analog crossbars over {args.devices} devices")  # fmt: skip
    print(f"analog arrays (trainable weight, target weights, tile conductances): {analog_whole / mb:.0f} MiB whole, "
          f"{max(analog_per_device.values()) / mb:.0f} MiB per device")  # fmt: skip
    print(f"all arrays: {whole / mb:.0f} MiB whole, {max(per_device.values()) / mb:.0f} MiB per device "
          "(embeddings, norms and biases replicated)")  # fmt: skip
    if temp is not None:
        print(f"forward temporaries: {temp.temp_size_in_bytes / mb:.0f} MiB per device")
    print(f"forward pass: {seconds:.2f} s (median of {args.repeats})")
    save_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
