"""bertkit: get vectors out of BERT-style encoders (companion library of the BERT embeddings book).

    >>> import bertkit
    >>> tokenizer, model = bertkit.load()              # bundled all-MiniLM-L6-v2, offline
    >>> enc, out = bertkit.run(tokenizer, model, ["I love Paris", "나는 파리가 좋다"])
    >>> stacked = bertkit.stack_layers(out.hidden_states)   # (layers+1, batch, seq, hidden)
    >>> bertkit.pool(stacked[-1], enc["attention_mask"], "mean").shape
    torch.Size([2, 384])
"""

from .encoding import encode, max_input_length, run
from .extract_setup import DTYPE
from .extraction import extract, token_vectors
from .hangul import hangul_kept, reads_hangul
from .hooks import Captured, capture, find_module
from .inputs import InputsTable, build_inputs, show_inputs
from .layers import LAYER_POOLING, ScalarMix, combine_layers, layer_indices, select_layers, stack_layers
from .loading import (
    BUNDLED_SHA256,
    HEADS,
    CheckpointUnavailableError,
    ChecksumError,
    bundled_model_path,
    is_bundled,
    load,
    load_tokenizer,
    resolve_checkpoint,
    verify_bundled,
)
from .long_texts import LONG_TEXTS, pool_chunks, position_limit, tokenize_long
from .plots import PROJECTION, cosine_matrix, plot_2d, plot_heatmap, project_2d
from .pooling import POOLING, pool
from .recipe import SentenceRecipe, sentence_recipe
from .texts import as_texts, check_visible
from .vector_store import VectorsMismatchError, describe_vectors, load_vectors, save_vectors, weights_fingerprint
from .vocabulary import TokenizerMismatchError, check_tokenizer, vocab_fingerprint
from .words import CUT_PIECES, SUBTOKEN_POOLING, WordVectors, whitespace_spans, word_vectors

__version__ = "0.3.0"

__all__ = [
    "BUNDLED_SHA256", "DTYPE", "HEADS", "LAYER_POOLING", "POOLING", "PROJECTION",
    "Captured", "CheckpointUnavailableError", "ChecksumError", "InputsTable", "ScalarMix", "TokenizerMismatchError",
    "as_texts", "build_inputs", "check_visible", "vocab_fingerprint", "bundled_model_path", "capture", "check_tokenizer", "combine_layers", "cosine_matrix",
    "encode", "extract", "find_module", "hangul_kept", "is_bundled", "layer_indices", "load", "load_tokenizer", "max_input_length", "plot_2d",
    "plot_heatmap", "pool", "project_2d", "reads_hangul", "resolve_checkpoint", "run", "select_layers", "show_inputs",
    "stack_layers", "token_vectors", "verify_bundled",
    "CUT_PIECES", "SUBTOKEN_POOLING", "WordVectors", "whitespace_spans", "word_vectors",
    "LONG_TEXTS", "pool_chunks", "position_limit", "tokenize_long",
    "VectorsMismatchError", "describe_vectors", "load_vectors", "save_vectors", "weights_fingerprint",
    "SentenceRecipe", "sentence_recipe",
]
