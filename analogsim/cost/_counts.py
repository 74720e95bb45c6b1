"""Counting the operations of analog matrix-vector multiplies from their shapes and hardware configuration.

The counts follow what `analogsim.program` and `analogsim.Crossbar.__call__` do, from the same tile geometry: a
weight matrix (out, in) on tiles of `(rows, cols)` is split into `n_in = ceil(in / rows)` input tiles (row blocks)
and `n_out = ceil(out / cols)` output tiles; every input vector is converted by the DACs of each physical tile it
drives, every tile does one analog MVM, every tile output goes through its own ADC, and the `n_in` partial sums of
each output are added digitally and rescaled.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax

from .._config import CrossbarConfig
from .._crossbar import Crossbar, _geometry
from .._validate import check_int

CELLS_PER_WEIGHT = 2
"""Differential pair per weight (`G+`, `G-`), as in `analogsim.CrossbarConfig`."""


class OpCounts(eqx.Module):
    """Operation counts of one or more analog MVMs (Python floats; add them with `+`, scale with `*`).

    **Attributes:**

    - `macs`: multiply-accumulates of the matrix products (`out * in` per vector): the useful work.
    - `dac_conversions`: input conversions: each input element once per physical tile it drives (each tile has
      its own row DACs: `in * n_out_tiles` per vector).
    - `cell_reads`: memory cells taking part in an MVM (`2 * out * in` per vector, differential pairs). The
      pulses per read depend on the technology's input encoding (see `Technology.pulses_per_read`).
    - `adc_conversions`: one per tile output per input tile (`out * n_in_tiles` per vector).
    - `digital_adds`: the digital sum of tile partial sums (`out * (n_in_tiles - 1)` per vector).
    - `digital_muls`: digital rescaling of each output (weight scale, drift compensation, DAC gain; `out` per
      vector).
    - `cell_writes`: cells written at run time (dynamic arrays, e.g. attention keys/values on gain cells).
    - `tile_mvms`: physical tile activations (`n_in_tiles * n_out_tiles` per vector).
    """

    macs: float = 0.0
    dac_conversions: float = 0.0
    cell_reads: float = 0.0
    adc_conversions: float = 0.0
    digital_adds: float = 0.0
    digital_muls: float = 0.0
    cell_writes: float = 0.0
    tile_mvms: float = 0.0

    def __add__(self, other: OpCounts) -> OpCounts:
        if not isinstance(other, OpCounts):
            return NotImplemented
        return jax.tree_util.tree_map(lambda a, b: a + b, self, other)

    def __mul__(self, k) -> OpCounts:
        k = float(k)
        if not k >= 0:
            raise ValueError(f"counts can only be scaled by a number >= 0, got {k}")
        return jax.tree_util.tree_map(lambda a: a * k, self)

    __rmul__ = __mul__

    def as_dict(self) -> dict:
        """The counts as a JSON-serializable `{name: float}` dict."""
        return {f: float(getattr(self, f)) for f in self.__dataclass_fields__}


class MVMCount(eqx.Module):
    """The counted operations of one analog matrix product in a workload (one layer, one hnn step...), as
    returned by `count_mvm`.

    **Attributes:**

    - `name`: label (layer name).
    - `shape`: (out, in) of the weight matrix.
    - `batch`: input vectors multiplied (per inference/token/step, as the caller defines it).
    - `dac_bits`, `adc_bits`: converter resolution (`None`: ideal converters, priced at the technology's
      reference resolution).
    - `tile`: (rows, cols) of one physical array.
    - `tiles`: (input tiles, output tiles).
    - `dynamic`: the matrix is written into the array at run time (once per `batch` vectors), not programmed once.
    - `counts`: the `OpCounts`.
    """

    name: str = eqx.field(static=True)
    shape: tuple[int, int] = eqx.field(static=True)
    batch: int = eqx.field(static=True)
    dac_bits: int | None = eqx.field(static=True)
    adc_bits: int | None = eqx.field(static=True)
    tile: tuple[int, int] = eqx.field(static=True)
    tiles: tuple[int, int] = eqx.field(static=True)
    dynamic: bool = eqx.field(static=True)
    counts: OpCounts


def _shape_and_config(xb_or_shape, config) -> tuple[tuple[int, int], CrossbarConfig]:
    """The `(out, in)` shape and the config of a `Crossbar`, or a checked `(shape, config)` pair."""
    if isinstance(xb_or_shape, Crossbar):
        if config is not None:
            raise ValueError("pass either a Crossbar or a (shape, config) pair, not a Crossbar and a config")
        return tuple(int(s) for s in xb_or_shape.shape), xb_or_shape.config
    shape = xb_or_shape
    if not isinstance(config, CrossbarConfig):
        raise ValueError(
            f"with a shape, config must be an analogsim.CrossbarConfig, got {type(config).__name__}"
        )
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape)
    ):
        raise ValueError(f"shape must be a (out, in) pair of positive integers, got {shape!r}")
    check_int(shape[0], "out", minimum=1)
    check_int(shape[1], "in", minimum=1)
    return (shape[0], shape[1]), config


def count_mvm(
    xb_or_shape: Crossbar | tuple[int, int],
    config: CrossbarConfig | None = None,
    *,
    batch: int = 1,
    name: str = "mvm",
    dynamic: bool = False,
    writes: int = 1,
    cells_per_weight: float = CELLS_PER_WEIGHT,
) -> MVMCount:
    """Count the operations of `batch` analog MVMs through one weight matrix.

    Other packages price their workloads by calling this with the shapes they run: an analog layer
    `count_mvm((d_out, d_in), cfg, batch=tokens)`; an attention head `count_mvm((ctx, d_head), cfg, batch=q,
    dynamic=True, cells_per_weight=1 + 1 / d_head)` for `Q K^T` and the same with shape `(d_head, ctx)` for
    `A V`; an `hnn` step on a crossbar of (n_vars, n_terms) for `replicas` replicas; an `ebm` Gibbs sweep as one
    MVM per block per chain. Sum the results with `total` or price them with `analogsim.cost.price`.

    **Arguments:**

    - `xb_or_shape`: a programmed `analogsim.Crossbar` (its shape and config are used), or the weight shape
      `(out, in)` together with `config`.
    - `config`: the `analogsim.CrossbarConfig` (only with a shape).
    - `batch`: number of input vectors.
    - `name`: label for reports.
    - `dynamic`: the matrix is written at run time (e.g. `K^T` and `V` of attention on gain cells): counts
      `writes * cells_per_weight * out * in` cell writes.
    - `writes`: how many times the dynamic matrix is (re)written during these `batch` MVMs.
    - `cells_per_weight`: memory cells holding one matrix entry (read at every MVM, written for dynamic arrays):
      2 for the differential pair of `analogsim.CrossbarConfig` (default) and of
      `analogsim.nn.AttentionConfig(kv_encoding="differential")`; `1 + 1/d` for the default offset encoding of
      gain-cell attention (one cell per value and one reference cell per stored vector of `d`).

    **Returns:**

    An `MVMCount`.
    """
    shape, config = _shape_and_config(xb_or_shape, config)
    check_int(batch, "batch", minimum=1)
    check_int(writes, "writes", minimum=1)
    if (
        isinstance(cells_per_weight, bool)
        or not isinstance(cells_per_weight, (int, float))
        or cells_per_weight < 1
    ):
        raise ValueError(f"cells_per_weight must be a number >= 1, got {cells_per_weight!r}")
    out, n_in = shape
    _, cols, n_t_in = _geometry(shape, config.tile)
    n_t_out = math.ceil(out / cols)
    b = float(batch)
    counts = OpCounts(
        macs=b * out * n_in,
        dac_conversions=b * n_in * n_t_out,
        cell_reads=b * cells_per_weight * out * n_in,
        adc_conversions=b * out * n_t_in,
        digital_adds=b * out * (n_t_in - 1),
        digital_muls=b * out,
        cell_writes=float(writes * cells_per_weight * out * n_in) if dynamic else 0.0,
        tile_mvms=b * n_t_in * n_t_out,
    )
    return MVMCount(
        name=name,
        shape=shape,
        batch=int(batch),
        dac_bits=config.dac.bits,
        adc_bits=config.adc.bits,
        tile=tuple(config.tile),
        tiles=(n_t_in, n_t_out),
        dynamic=bool(dynamic),
        counts=counts,
    )


def count_crossbars(model, *, batch: int = 1) -> list[MVMCount]:
    """Count every `analogsim.Crossbar` found in a pytree (an analog model), each applied to `batch` vectors (one
    MVM per crossbar per example: true of feed-forward layers; count shared or repeated layers yourself with
    `count_mvm`). Names are the crossbars' pytree paths."""
    leaves = jax.tree_util.tree_flatten_with_path(model, is_leaf=lambda x: isinstance(x, Crossbar))[0]
    out = []
    for path, leaf in leaves:
        if isinstance(leaf, Crossbar):
            out.append(count_mvm(leaf, batch=batch, name=jax.tree_util.keystr(path) or "crossbar"))
    return out


def total(counts: list[MVMCount] | tuple[MVMCount, ...]) -> OpCounts:
    """Sum of the counts of several MVMs."""
    acc = OpCounts()
    for c in counts:
        if not isinstance(c, MVMCount):
            raise ValueError(f"expected MVMCount items (from count_mvm), got {type(c).__name__}")
        acc = acc + c.counts
    return acc
