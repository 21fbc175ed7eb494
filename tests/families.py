"""Small random-weight checkpoints of the model families readers use, built at test time.

transformers' own tests build tiny configs of each architecture and run every code path on them; so do we.
Each checkpoint is a real ``save_pretrained`` folder (config, tokenizer files, ``model.safetensors``), so
``bertkit.load(path)`` and ``BERTKIT_MODEL=path`` treat it like a hub checkpoint. The tokenizers share one
WordPiece vocabulary trained with ``tokenizers`` on the book's Korean and English reviews, with lower-casing
and accent stripping off (as kcbert and klue do), so Hangul syllables survive and the Korean path of the
chapters runs.

Families and the layout each one reproduces:

- ``bert``: BERT with a pooler (kcbert-base, klue/bert-base).
- ``roberta``: klue/roberta-base's layout: a WordPiece tokenizer with ``[CLS]`` 0, ``[PAD]`` 1, ``[SEP]`` 2,
  514 positions, ``type_vocab_size=1`` while the tokenizer still emits ``token_type_ids``.
- ``electra``: an ELECTRA discriminator whose ``embedding_size`` is smaller than ``hidden_size`` (ELECTRA-small,
  KcELECTRA's family), so ``hidden_states[0]`` is the projected embedding; no pooler.
- ``distilbert``: no ``token_type_ids``, no pooler, ``transformer.layer`` instead of ``encoder.layer``.

Command line (for running the chapters on each family)::

    python tests/families.py OUT_DIR          # writes OUT_DIR/bert, OUT_DIR/roberta, ...
    BERTKIT_MODEL=OUT_DIR/electra pytest --nbmake book
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer
from transformers import (
    BertConfig,
    BertModel,
    BertTokenizer,
    DistilBertConfig,
    DistilBertModel,
    DistilBertTokenizer,
    ElectraConfig,
    ElectraModel,
    ElectraTokenizer,
    PreTrainedModel,
    RobertaConfig,
    RobertaModel,
)

FAMILIES = ("bert", "roberta", "electra", "distilbert")
VOCAB_SIZE = 6000
HIDDEN, LAYERS, HEADS, INTERMEDIATE = 64, 3, 4, 128
ELECTRA_EMBEDDING = 32  # < HIDDEN, as in ELECTRA-small (128 < 256)

BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
KLUE_SPECIALS = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]  # klue/roberta-base's vocab.txt starts so


def _corpus() -> list[str]:
    import bertkit.book

    texts: list[str] = []
    for lang in ("ko", "en"):
        for split in ("train", "test"):
            texts += bertkit.book.load_reviews(lang, split)[0]
    return texts


def train_vocab(path: Path, specials: list[str]) -> Path:
    """Train a cased WordPiece vocabulary on the book's reviews; write ``path/vocab.txt``."""
    wordpiece = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    # limit_alphabet: every syllable the reviews use stays in the alphabet (the default keeps 1,000 characters)
    wordpiece.train_from_iterator(_corpus(), vocab_size=VOCAB_SIZE, min_frequency=1, special_tokens=specials,
                                  limit_alphabet=10_000, show_progress=False)
    path.mkdir(parents=True, exist_ok=True)
    wordpiece.save_model(str(path))
    return path / "vocab.txt"


def _vocab(path: Path) -> dict[str, int]:
    # transformers 5's tokenizer classes take ``vocab=`` (a dict); ``vocab_file=`` is silently ignored
    return {line.rstrip("\n"): i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(True))}


def _common(vocab_size: int) -> dict:
    return dict(vocab_size=vocab_size, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                intermediate_size=INTERMEDIATE, max_position_embeddings=512)


def _save(model: PreTrainedModel, tokenizer, path: Path) -> Path:
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build(family: str, path: str | Path, seed: int = 0) -> Path:
    """Write a random-weight checkpoint of ``family`` (one of ``FAMILIES``) to ``path``; return ``path``."""
    path = Path(path)
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {FAMILIES}")
    torch.manual_seed(seed)
    specials = KLUE_SPECIALS if family == "roberta" else BERT_SPECIALS
    vocab = train_vocab(path, specials)
    n_vocab = len(vocab.read_text(encoding="utf-8").splitlines())
    cased = dict(do_lower_case=False, strip_accents=False, model_max_length=512)
    if family == "bert":
        tokenizer = BertTokenizer(vocab=_vocab(vocab), **cased)
        model = BertModel(BertConfig(hidden_size=HIDDEN, pad_token_id=0, **_common(n_vocab)))
    elif family == "roberta":
        tokenizer = BertTokenizer(vocab=_vocab(vocab), **cased)  # klue/roberta ships a BertTokenizer
        ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("[CLS]", "[PAD]", "[SEP]")}
        assert ids == {"[CLS]": 0, "[PAD]": 1, "[SEP]": 2}, ids
        config = RobertaConfig(hidden_size=HIDDEN, **{**_common(n_vocab), "max_position_embeddings": 514},
                               type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
        model = RobertaModel(config)
    elif family == "electra":
        tokenizer = ElectraTokenizer(vocab=_vocab(vocab), **cased)
        config = ElectraConfig(hidden_size=HIDDEN, embedding_size=ELECTRA_EMBEDDING, pad_token_id=0,
                               **_common(n_vocab))
        model = ElectraModel(config)
    else:
        tokenizer = DistilBertTokenizer(vocab=_vocab(vocab), **cased)
        model = DistilBertModel(DistilBertConfig(vocab_size=n_vocab, dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS,
                                                 hidden_dim=INTERMEDIATE, max_position_embeddings=512,
                                                 pad_token_id=0))
    return _save(model, tokenizer, path)


def build_all(root: str | Path) -> dict[str, Path]:
    """Write every family's checkpoint under ``root``; return ``{family: path}``."""
    return {family: build(family, Path(root) / family) for family in FAMILIES}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/families.py OUT_DIR")
    for name, where in build_all(sys.argv[1]).items():
        print(name, where)
