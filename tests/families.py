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

The other two tokenizer kinds, trained with ``tokenizers`` on the same reviews:

- ``xlmr_unigram``: an XLM-RoBERTa with a SentencePiece-style Unigram tokenizer (``▁`` marks a word start),
  laid out like BAAI/bge-m3 and multilingual-e5-base: ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3,
  ``<mask>`` last, one token type, no ``token_type_ids``; 514 positions (bge-m3 has 8,194).
- ``bert_unigram``: a BERT model with that tokenizer, as multilingual-e5-small (its config keeps BERT's
  ``pad_token_id=0`` and two token types while the tokenizer pads with 1 and makes no token types). It
  carries an e5-style sentence-transformers configuration: mean pooling, Normalize, ``"query: "`` and
  ``"passage: "`` prompts (``bertkit.sentence_recipe`` reads it).
- ``roberta_bpe``: a RoBERTa with a byte-level BPE tokenizer (``Ġ`` marks a space; Hangul syllables are
  UTF-8 bytes, merged into pieces or split across them), as roberta-base and all-distilroberta-v1.

Command line (for running the chapters on each family)::

    python tests/families.py OUT_DIR          # writes OUT_DIR/bert, OUT_DIR/roberta, ...
    BERTKIT_MODEL=OUT_DIR/electra pytest --nbmake book
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer, Tokenizer, models, normalizers, pre_tokenizers
from tokenizers.trainers import UnigramTrainer
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
    RobertaTokenizer,
    XLMRobertaConfig,
    XLMRobertaModel,
    XLMRobertaTokenizer,
)

WORDPIECE_FAMILIES = ("bert", "roberta", "electra", "distilbert")
OTHER_KINDS = ("xlmr_unigram", "bert_unigram", "roberta_bpe")
FAMILIES = WORDPIECE_FAMILIES + OTHER_KINDS
TOKENIZER_KIND = {**dict.fromkeys(WORDPIECE_FAMILIES, "wordpiece"), "xlmr_unigram": "unigram",
                  "bert_unigram": "unigram", "roberta_bpe": "byte_bpe"}
VOCAB_SIZE = 6000
HIDDEN, LAYERS, HEADS, INTERMEDIATE = 64, 3, 4, 128
ELECTRA_EMBEDDING = 32  # < HIDDEN, as in ELECTRA-small (128 < 256)

BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
KLUE_SPECIALS = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]  # klue/roberta-base's vocab.txt starts so
XLMR_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # fairseq's layout: XLM-R, bge-m3, e5; <mask> comes last
BPE_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # roberta-base's first five ids


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


def train_unigram() -> list[tuple[str, float]]:
    """A SentencePiece-style Unigram vocabulary (pieces with log-probabilities) in XLM-R's id layout.

    The trainer is not bit-reproducible: the order of the rarest single characters (and so a few ids) can change
    from one build to the next; each test session and CI run builds its checkpoints once and compares within them."""
    unigram = Tokenizer(models.Unigram())
    unigram.normalizer = normalizers.NFKC()  # SentencePiece's default normalization (nmt_nfkc)
    unigram.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    trainer = UnigramTrainer(vocab_size=VOCAB_SIZE, special_tokens=XLMR_SPECIALS, unk_token="<unk>",
                             max_piece_length=8, show_progress=False)
    unigram.train_from_iterator(_corpus(), trainer)
    pieces = json.loads(unigram.to_str())["model"]["vocab"]  # [[piece, score], ...], the specials first
    assert [p for p, _ in pieces[:4]] == XLMR_SPECIALS, pieces[:4]
    return [(piece, float(score)) for piece, score in pieces] + [("<mask>", 0.0)]


def train_byte_bpe(path: Path) -> tuple[Path, Path]:
    """A byte-level BPE (GPT-2 / RoBERTa style) trained on the reviews; writes ``vocab.json`` and ``merges.txt``."""
    bpe = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    bpe.train_from_iterator(_corpus(), vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=BPE_SPECIALS,
                            show_progress=False)
    path.mkdir(parents=True, exist_ok=True)
    vocab, merges = bpe.save_model(str(path))
    return Path(vocab), Path(merges)


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
    if family in OTHER_KINDS:
        return _build_other_kind(family, path)
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


def _build_other_kind(family: str, path: Path) -> Path:
    """The SentencePiece (Unigram) and byte-level BPE checkpoints (see the module docstring)."""
    positions = dict(max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    if family == "roberta_bpe":
        vocab, merges = train_byte_bpe(path)
        tokenizer = RobertaTokenizer(vocab=json.loads(vocab.read_text(encoding="utf-8")),
                                     merges=[tuple(line.split(" ")) for line in merges.read_text(encoding="utf-8").splitlines()[1:] if line],
                                     model_max_length=512)
        vocab.unlink(), merges.unlink()  # save_pretrained writes the tokenizer's own files
        model: PreTrainedModel = RobertaModel(RobertaConfig(hidden_size=HIDDEN, **{**_common(len(tokenizer)),
                                                                                    **positions}))
        return _save(model, tokenizer, path)
    tokenizer = XLMRobertaTokenizer(vocab=train_unigram(), model_max_length=512)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in XLMR_SPECIALS}
    assert ids == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}, ids
    if family == "xlmr_unigram":
        model = XLMRobertaModel(XLMRobertaConfig(hidden_size=HIDDEN, **{**_common(len(tokenizer)), **positions}))
        return _save(model, tokenizer, path)
    # multilingual-e5-small: BertModel's own defaults (pad_token_id 0, two token types) beside the XLM-R tokenizer
    model = BertModel(BertConfig(hidden_size=HIDDEN, pad_token_id=0, type_vocab_size=2,
                                 tokenizer_class="XLMRobertaTokenizer", **_common(len(tokenizer))))
    _save(model, tokenizer, path)
    write_sentence_config(path, pooling="mean", normalize=True, prompts={"query": "query: ", "passage": "passage: "})
    return path


def write_sentence_config(path: Path, pooling: str, normalize: bool, max_seq_length: int | None = None,
                          prompts: dict[str, str] | None = None) -> None:
    """The sentence-transformers files a hub checkpoint ships (modules.json, 1_Pooling/config.json, ...), in the
    layout sentence-transformers 2.x wrote them (one boolean per pooling mode), as bge-m3 and e5 have them."""
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        (path / "2_Normalize").mkdir(exist_ok=True)
    (path / "modules.json").write_text(json.dumps(modules, indent=2))
    modes = {"cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens", "max": "pooling_mode_max_tokens",
             "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens"}
    pooling_config = {"word_embedding_dimension": HIDDEN, **{key: mode == pooling for mode, key in modes.items()}}
    (path / "1_Pooling").mkdir(exist_ok=True)
    (path / "1_Pooling" / "config.json").write_text(json.dumps(pooling_config, indent=2))
    bert_config = {"do_lower_case": False, **({"max_seq_length": max_seq_length} if max_seq_length else {})}
    (path / "sentence_bert_config.json").write_text(json.dumps(bert_config, indent=2))
    settings = {"__version__": {"sentence_transformers": "2.2.2"}, "prompts": prompts or {},
                "default_prompt_name": None}
    (path / "config_sentence_transformers.json").write_text(json.dumps(settings, indent=2))


def sentence_transformers_folder(base: Path, out: Path, pooling: str, normalize: bool, prompts: dict | None = None,
                                 default_prompt_name: str | None = None, max_seq_length: int | None = None) -> Path:
    """A copy of a test checkpoint with a sentence-transformers pipeline saved by sentence-transformers itself."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(str(base), max_seq_length=max_seq_length)
    modules = [transformer, Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling)]
    if normalize:
        modules.append(Normalize())
    st = SentenceTransformer(modules=modules, device="cpu", prompts=prompts, default_prompt_name=default_prompt_name)
    st.save(str(out))
    return out


def build_all(root: str | Path) -> dict[str, Path]:
    """Write every family's checkpoint under ``root``; return ``{family: path}``."""
    return {family: build(family, Path(root) / family) for family in FAMILIES}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/families.py OUT_DIR")
    for name, where in build_all(sys.argv[1]).items():
        print(name, where)
