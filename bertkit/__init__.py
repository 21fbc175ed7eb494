"""bertkit: get vectors out of BERT-style encoders (companion library of the BERT embeddings book).

    >>> import bertkit
    >>> tokenizer, model = bertkit.load()              # bundled all-MiniLM-L6-v2, offline
    >>> enc, out = bertkit.run(model, tokenizer, ["I love Paris", "나는 파리가 좋다"])
    >>> stacked = bertkit.stack_layers(out.hidden_states)   # (layers+1, batch, seq, hidden)
    >>> bertkit.pool(stacked[-1], enc["attention_mask"], "mean").shape
    torch.Size([2, 384])
"""

from .encoding import TokenizerMismatchError, as_texts, check_pair, encode, max_input_length, run
from .extraction import extract
from .hangul import hangul_kept, reads_hangul
from .hooks import Captured, capture, find_module
from .inputs import InputsTable, build_inputs, show_inputs
from .layers import COMBINE_MODES, ScalarMix, combine_layers, layer_indices, select_layers, stack_layers
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
from .notebook import glue
from .plots import PROJECTIONS, cosine_matrix, plot_2d, plot_heatmap, project_2d, use_korean_font
from .pooling import POOLING_MODES, pool
from .words import CUT_PIECES, LAYER_POOLING, SUBTOKEN_POOLING, WordVectors, whitespace_spans, word_vectors
from .reviews import load_reviews, reviews_dir

__version__ = "0.1.0"

__all__ = [
    "BUNDLED_SHA256", "COMBINE_MODES", "HEADS", "POOLING_MODES", "PROJECTIONS",
    "Captured", "CheckpointUnavailableError", "ChecksumError", "InputsTable", "ScalarMix", "TokenizerMismatchError",
    "as_texts", "build_inputs", "bundled_model_path", "capture", "check_pair", "combine_layers", "cosine_matrix",
    "encode", "extract", "find_module", "glue", "hangul_kept", "is_bundled", "layer_indices", "load", "load_reviews", "load_tokenizer", "max_input_length", "plot_2d",
    "plot_heatmap", "pool", "project_2d", "reads_hangul", "resolve_checkpoint", "reviews_dir", "run", "select_layers", "show_inputs",
    "stack_layers", "use_korean_font", "verify_bundled",
    "CUT_PIECES", "LAYER_POOLING", "SUBTOKEN_POOLING", "WordVectors", "whitespace_spans", "word_vectors",
]
