"""Does a tokenizer belong to a model? Compared by the ids it produces, not by where the files came from.

:func:`vocab_fingerprint` hashes what decides a tokenizer's ids; :func:`check_tokenizer` refuses a tokenizer whose ids
would index the wrong (or no) rows of the model's embedding table.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["TokenizerMismatchError", "check_tokenizer", "vocab_fingerprint"]


class TokenizerMismatchError(ValueError):
    """The tokenizer was not made for this model: its ids would index the wrong (or no) embeddings."""


_SPECIAL_TOKENS = ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token", "bos_token", "eos_token")


def vocab_fingerprint(tokenizer: PreTrainedTokenizerBase) -> str:
    """sha256 of what decides the ids a tokenizer produces: its vocabulary (token -> id, added tokens
    included) and its special tokens' ids. Two tokenizers with the same fingerprint give the same ids."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False).encode("utf-8"))
    specials = {name: getattr(tokenizer, f"{name}_id", None) for name in _SPECIAL_TOKENS}
    digest.update(json.dumps(specials, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _source(name: str) -> str:
    return os.path.realpath(name) if name and os.path.isdir(name) else name


_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model")


@functools.lru_cache(maxsize=8)
def _source_fingerprint(source: str) -> str | None:
    """The fingerprint of the tokenizer saved with a checkpoint (a local folder or a cached hub id), or None
    when the checkpoint has no tokenizer files here (a fine-tuned model saved alone). Never uses the network."""
    from transformers import AutoTokenizer

    if os.path.isdir(source) and not any(os.path.isfile(os.path.join(source, f)) for f in _TOKENIZER_FILES):
        return None  # AutoTokenizer would make up a tokenizer from the config alone
    try:
        return vocab_fingerprint(AutoTokenizer.from_pretrained(source, local_files_only=True))
    except (OSError, ValueError, TypeError, KeyError):  # no tokenizer files there: nothing to compare with
        return None


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
    """Raise if ``tokenizer`` was not made for ``model``.

    What matters is the ids, not where the files came from: a tokenizer from the hub and the same model
    fine-tuned and saved to a folder are a pair. Three checks:

    1. every id the tokenizer can produce has a row in the model's embedding table;
    2. the padding id is the one the model's config names (``config.pad_token_id``), when both give one and
       they come from different files (a checkpoint's own pair is not checked: multilingual-e5-small differs);
    3. when the model's checkpoint has a tokenizer saved with it (a folder, or a hub id in the local cache),
       the two have the same vocabulary and special-token ids (:func:`vocab_fingerprint`). A checkpoint saved
       without a tokenizer can't be compared this way; checks 1 and 2 still apply.

    Raises:
        TokenizerMismatchError: with what to do instead.
    """
    embeddings: Any = model.get_input_embeddings()
    n_embeddings = int(embeddings.num_embeddings)
    if len(tokenizer) > n_embeddings:
        raise TokenizerMismatchError(
            f"The tokenizer has {len(tokenizer)} tokens but the model's embedding table has only "
            f"{n_embeddings} rows, so some ids have no vector. Load the tokenizer of the model's own checkpoint "
            "(tokenizer, model = bertkit.load(checkpoint)), or, if you added tokens on purpose, resize the model: "
            "model.resize_token_embeddings(len(tokenizer))."
        )
    tok_src = _source(getattr(tokenizer, "name_or_path", "") or "")
    model_src = _source(getattr(model.config, "_name_or_path", "") or "")
    model_pad = getattr(model.config, "pad_token_id", None)
    # a checkpoint's own pair may disagree: multilingual-e5-small's BERT config keeps pad_token_id 0, its tokenizer pads with 1
    if (model_pad is not None and tokenizer.pad_token_id is not None and model_pad != tokenizer.pad_token_id
            and not (model_src and tok_src == model_src)):
        raise TokenizerMismatchError(
            f"The tokenizer pads with id {tokenizer.pad_token_id} but the model's config says pad_token_id="
            f"{model_pad}: they come from different vocabularies. Load both with bertkit.load(checkpoint)."
        )
    if not model_src or tok_src == model_src:
        return
    expected = _source_fingerprint(model_src)
    if expected is not None and expected != vocab_fingerprint(tokenizer):
        raise TokenizerMismatchError(
            f"The tokenizer's vocabulary (from {tok_src or 'an unnamed source'!r}) is not the one saved with the "
            f"model ({model_src!r}): the same text would become other ids. A model understands only the ids of "
            "its own vocabulary: load both with bertkit.load(checkpoint), or use the tokenizer saved beside the "
            "model (bertkit.load_tokenizer(model_dir))."
        )
