"""Sentence vectors from token vectors: CLS, mean, max and mean-sqrt-len pooling that respect the mask.

Matches sentence-transformers' ``Pooling`` module (tested to 1e-6), with two differences on purpose:
a row whose mask is all zeros is an error instead of a zero or ``-inf`` vector, and nothing is written into
the input tensor.
"""

from __future__ import annotations

import torch
from torch import Tensor

POOLING = ("cls", "mean", "max", "mean_sqrt_len")
"""Valid values of ``pooling``. sentence-transformers calls the last one ``mean_sqrt_len_tokens``."""


def _check(token_embeddings: Tensor, attention_mask: Tensor, pooling: str) -> None:
    if pooling not in POOLING:
        raise ValueError(f"Unknown pooling {pooling!r}. Valid: {POOLING}.")
    if token_embeddings.dim() != 3:
        raise ValueError(
            f"token_embeddings must be (batch, seq, hidden), got shape {tuple(token_embeddings.shape)}. "
            "For one layer of a stack use stacked[i]; for several, pool each."
        )
    if attention_mask.shape != token_embeddings.shape[:2]:
        raise ValueError(
            f"attention_mask has shape {tuple(attention_mask.shape)} but token_embeddings "
            f"{tuple(token_embeddings.shape)}: the mask must be (batch, seq) from the same encoding."
        )
    empty = (attention_mask.sum(dim=1) == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(
            f"Row(s) {empty} of attention_mask are all zeros: nothing to pool. Remove empty texts before "
            "encoding (bertkit.encode refuses them)."
        )


def pool(token_embeddings: Tensor, attention_mask: Tensor, pooling: str = "mean") -> Tensor:
    """Pool token vectors into one vector per text.

    Args:
        token_embeddings: (batch, seq, hidden), e.g. ``outputs.last_hidden_state`` or ``stacked[i]``.
        attention_mask: (batch, seq), 1 for real tokens and 0 for padding.
        pooling: one of :data:`POOLING` (the same argument as in :func:`bertkit.extract`):
            ``"cls"`` the first token's vector (the ``[CLS]`` token with right padding);
            ``"mean"`` the average of the real tokens; ``"max"`` the element-wise maximum over real tokens;
            ``"mean_sqrt_len"`` the sum of real tokens divided by the square root of their number.

    Returns:
        (batch, hidden), e.g. ``torch.Size([2, 384])`` for two texts on the default model.

    Raises:
        ValueError: unknown pooling, mismatched shapes, or a row whose mask is all zeros.
    """
    _check(token_embeddings, attention_mask, pooling)
    # mask: (batch, seq, 1), in the embeddings' dtype so it multiplies cleanly
    mask = attention_mask.unsqueeze(-1).to(token_embeddings.dtype)
    if pooling == "cls":
        first = attention_mask.to(torch.int).argmax(dim=1)  # first real token, as sentence-transformers does
        return token_embeddings[torch.arange(token_embeddings.shape[0]), first]
    if pooling == "max":
        # masked_fill returns a new tensor: the caller's token_embeddings are left untouched.
        return token_embeddings.masked_fill(mask == 0, float("-inf")).amax(dim=1)
    summed = (token_embeddings * mask).sum(dim=1)  # (batch, hidden)
    counts = mask.sum(dim=1)  # (batch, 1), >= 1 after _check
    return summed / (counts if pooling == "mean" else counts.sqrt())
