"""The shape of a GPT-3-class transformer and what one training token asks of it: the fully connected matrices
(their shapes, copies and the share of tokens each copy sees), the attention products, the digital operations op
by op, and the activations held for the backward pass.

GPT-3 175B: T. Brown et al., "Language models are few-shot learners", NeurIPS 2020, Table 2.1: 96 layers,
`d_model` 12288, 96 heads of 128, context 2048, batch 3.2M tokens, 300B training tokens; `d_ff = 4 d_model` and the
GPT-2 vocabulary of 50257 tokens. The mixture-of-experts variant replaces every feed-forward block by `K` experts
with top-1 routing (Switch Transformer: W. Fedus et al., JMLR 23, 120 (2022)): each token passes one expert, so the
work per token is the dense model's and the feed-forward parameters grow `K`-fold.
"""

from __future__ import annotations

import equinox as eqx

from .._validate import check_int
from ._arrays import _pos

ADAM_OPS = (4, 6, 2)
"""(adds, multiplies, special functions) of one Adam step of one parameter: `m = b1 m + (1 - b1) g` (1, 2),
`v = b2 v + (1 - b2) g^2` (1, 3), `p -= lr m / (sqrt(v) + eps)` (2, 1; a square root and a division)."""


class FCMatrix(eqx.Module):
    """One kind of fully connected matrix of the model.

    **Attributes:**

    - `name`: label.
    - `shape`: `(out, in)`.
    - `copies`: physical matrices of this kind in the model (one per layer, times the experts).
    - `token_share`: fraction of the training tokens each copy sees (`1 / K` for an expert).
    """

    name: str = eqx.field(static=True)
    shape: tuple[int, int] = eqx.field(static=True)
    copies: int = eqx.field(static=True)
    token_share: float = eqx.field(static=True)

    @property
    def per_token(self) -> float:
        """Matrices of this kind one token passes (`copies * token_share`)."""
        return self.copies * self.token_share


class TransformerShape(eqx.Module):
    """A decoder-only transformer and its training run. Presets: `gpt3`, `gpt3_moe`.

    **Arguments:**

    - `name`: label.
    - `n_layers`, `d_model`, `n_heads`, `seq_len`, `d_ff`, `vocab`: the architecture (`d_model` a multiple of
      `n_heads`).
    - `n_experts`: feed-forward experts with top-1 routing (1: dense).
    - `n_tokens`: training tokens.
    - `batch_tokens`: tokens per optimizer step (for the digital parameters' Adam steps).
    """

    name: str = eqx.field(static=True)
    n_layers: int = eqx.field(static=True)
    d_model: int = eqx.field(static=True)
    n_heads: int = eqx.field(static=True)
    seq_len: int = eqx.field(static=True)
    d_ff: int = eqx.field(static=True)
    vocab: int = eqx.field(static=True)
    n_experts: int = eqx.field(static=True, default=1)
    n_tokens: float = 300e9
    batch_tokens: float = 3.2e6

    def __check_init__(self):
        for f in ("n_layers", "d_model", "n_heads", "seq_len", "d_ff", "vocab", "n_experts"):
            check_int(getattr(self, f), f, minimum=1)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads ({self.n_heads})")
        _pos("n_tokens", self.n_tokens)
        _pos("batch_tokens", self.batch_tokens)

    @property
    def d_head(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.n_heads

    def fc_matrices(self) -> tuple[FCMatrix, ...]:
        """The analog matrices: per layer the fused `Q, K, V` projection, the output projection and the two
        feed-forward matrices (`K` copies each, seeing `1 / K` of the tokens), and the output head (untied from
        the digital input embedding)."""
        d, f, n, k = self.d_model, self.d_ff, self.n_layers, self.n_experts
        return (
            FCMatrix("qkv", (3 * d, d), n, 1.0),
            FCMatrix("attention output", (d, d), n, 1.0),
            FCMatrix("feed-forward in", (f, d), n * k, 1.0 / k),
            FCMatrix("feed-forward out", (d, f), n * k, 1.0 / k),
            FCMatrix("output head", (self.vocab, d), 1, 1.0),
        )

    def digital_params(self) -> float:
        """Parameters trained digitally with Adam: per layer the two layer norms' gains and biases, the biases
        of the fully connected matrices and the router; the final layer norm; the token and position
        embeddings."""
        d, f, k = self.d_model, self.d_ff, self.n_experts
        per_layer = 4 * d + (3 * d + d) + k * (f + d) + (k * d if k > 1 else 0)
        return float(self.n_layers * per_layer + 2 * d + (self.vocab + self.seq_len) * d)

    @property
    def n_params(self) -> float:
        """All parameters: the analog matrices and the digital ones."""
        fc = sum(m.copies * m.shape[0] * m.shape[1] for m in self.fc_matrices())
        return float(fc + self.digital_params())

    def digital_ops(self) -> dict:
        """Digital operations per training token, op by op: `{(op, "forward" | "backward" | "step"): (adds,
        multiplies, special functions)}` summed over the layers. Scores: `n_heads * seq_len` per token and layer
        (the arrays compute every query-key product; the causal mask sets the future ones to `-inf`). Layer norm
        per element: mean, variance, normalize, affine (4 adds, 3 multiplies; backward twice that) and one
        reciprocal square root per vector; softmax per score: max, subtract, exp, sum, scale by the reciprocal;
        GeLU (tanh form) per element: 2 adds, 6 multiplies, 1 tanh (backward 4, 8, 1); Adam per digital
        parameter per step (`ADAM_OPS`), spread over the `batch_tokens` of a step."""
        d, f, v, k, n = self.d_model, self.d_ff, self.vocab, self.n_experts, self.n_layers
        hs = self.n_heads * self.seq_len
        bias = 3 * d + d + f + d
        per_layer = {
            ("layer norm", "forward"): (2 * 4 * d, 2 * 3 * d, 2),
            ("layer norm", "backward"): (2 * 8 * d, 2 * 6 * d, 0),
            ("attention softmax", "forward"): (3 * hs + hs, 2 * hs, hs + self.n_heads),
            ("attention softmax", "backward"): (2 * hs, 3 * hs, 0),
            ("GeLU", "forward"): (2 * f, 6 * f, f),
            ("GeLU", "backward"): (4 * f, 8 * f, f),
            ("residual", "forward"): (2 * d, 0, 0),
            ("residual", "backward"): (2 * d, 0, 0),
            ("bias", "forward"): (bias, 0, 0),
            ("bias", "backward"): (bias, 0, 0),
        }
        if k > 1:
            per_layer[("router", "forward")] = (k * d + 3 * k, k * d + k, k + 1)
            per_layer[("router", "backward")] = (2 * k * d, 2 * k * d, 0)
        ops = {key: tuple(float(n * x) for x in val) for key, val in per_layer.items()}
        model = {
            ("embedding", "forward"): (d, 0, 0),
            ("embedding", "backward"): (2 * d, 0, 0),
            ("final layer norm", "forward"): (4 * d, 3 * d, 1),
            ("final layer norm", "backward"): (8 * d, 6 * d, 0),
            ("loss softmax", "forward"): (3 * v, v, v + 1),
            ("loss softmax", "backward"): (v, 0, 0),
        }
        ops.update({key: tuple(float(x) for x in val) for key, val in model.items()})
        steps_per_token = self.digital_params() / self.batch_tokens
        ops[("Adam", "step")] = tuple(float(x * steps_per_token) for x in ADAM_OPS)
        return ops

    def stash_values(self) -> dict:
        """Values per token held for the backward pass, `{what: values}` summed over the layers: the inputs of
        the four fully connected matrices, of the two layer norms and of the GeLU, the `Q, K, V` vectors (the
        backward pass writes them into the attention arrays again) and the attention probabilities; and the
        final layer norm's and the head's inputs."""
        d, f, n = self.d_model, self.d_ff, self.n_layers
        return {
            "fully connected inputs": float(n * (3 * d + f)),
            "layer norm inputs": float(n * 2 * d + d),
            "GeLU inputs": float(n * f),
            "Q, K, V": float(n * 3 * d),
            "attention probabilities": float(n * self.n_heads * self.seq_len),
            "head input": float(d),
        }


def gpt3() -> TransformerShape:
    """GPT-3 175B (Brown et al. 2020, Table 2.1): 96 layers, d 12288, 96 heads, context 2048, 300B tokens, batch
    3.2M tokens."""
    return TransformerShape("GPT-3 175B (dense)", 96, 12288, 96, 2048, 4 * 12288, 50257)


def gpt3_moe(n_experts: int = 8) -> TransformerShape:
    """GPT-3 175B with `n_experts` top-1 feed-forward experts per layer (Switch-style): the same work per token,
    about `175B + (K - 1) * 8 d^2 * 96` parameters."""
    check_int(n_experts, "n_experts", minimum=2)
    return TransformerShape(f"GPT-3 175B, {n_experts}-expert MoE", 96, 12288, 96, 2048, 4 * 12288, 50257,
                            n_experts=n_experts)
