"""Every public core function on tiny random-weight BERT, klue-style RoBERTa, ELECTRA, DistilBERT, and the
SentencePiece (XLM-R, e5-small-style BERT) and byte-level BPE (RoBERTa) tokenizer kinds.

Each is compared with transformers run by hand on the same family (tests/families.py): nothing may assume
BERT's module names, a pooler, token types or a hidden size.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import bertkit
import bertkit.forward
from families import FAMILIES

TEXTS = ["나는 파리가 좋다", "A longer English sentence about the river bank.", "짧다"]


@pytest.fixture(scope="module", params=FAMILIES)
def family(request, family_paths):
    """(name, tokenizer, model) of every test checkpoint: the WordPiece families and the Unigram and byte-level BPE
    kinds (this module's own list; conftest's ``family`` covers the WordPiece families)."""
    tokenizer, model = bertkit.load(family_paths[request.param])
    return request.param, tokenizer, model


def _reference(tokenizer, model, texts):
    """transformers by hand: hidden states and the attention mask, without token types the model can't use."""
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    if not bertkit.encoding.takes_token_types(model):
        enc.pop("token_type_ids", None)
    with torch.no_grad():
        return model(**enc, output_hidden_states=True).hidden_states, enc["attention_mask"]


def _layer_list_name(model: nn.Module) -> str:
    n = model.config.num_hidden_layers
    return next(name for name, m in model.named_modules() if isinstance(m, nn.ModuleList) and len(m) == n)


def test_load_and_check_tokenizer(family, family_paths):
    name, tokenizer, model = family
    assert not model.training
    bertkit.check_tokenizer(tokenizer, model)
    assert bertkit.load_tokenizer(family_paths[name]).get_vocab() == tokenizer.get_vocab()
    assert bertkit.max_input_length(tokenizer, model) <= model.config.max_position_embeddings


def test_run_stack_select_combine_pool(family):
    _, tokenizer, model = family
    reference, mask = _reference(tokenizer, model, TEXTS)
    enc, out = bertkit.run(tokenizer, model, TEXTS)
    torch.testing.assert_close(enc["attention_mask"], mask)
    stacked = bertkit.stack_layers(out.hidden_states)
    n_states = model.config.num_hidden_layers + 1
    assert stacked.shape[:2] == (n_states, len(TEXTS)) and stacked.shape[-1] == model.config.hidden_size
    for i in range(n_states):
        torch.testing.assert_close(stacked[i], reference[i], atol=1e-5, rtol=0)
    torch.testing.assert_close(bertkit.select_layers(stacked, [0, -1]), torch.stack([reference[0], reference[-1]]))
    assert bertkit.layer_indices(n_states, "all") == list(range(n_states))
    torch.testing.assert_close(
        bertkit.combine_layers(stacked, layers=[-2, -1]), (reference[-1] + reference[-2]) / 2, atol=1e-5, rtol=0
    )
    m = mask.unsqueeze(-1).float()
    torch.testing.assert_close(
        bertkit.pool(stacked[-1], enc["attention_mask"], "mean"), (reference[-1] * m).sum(1) / m.sum(1), atol=1e-5, rtol=0
    )


def test_encode_and_build_inputs_give_the_tokenizers_ids(family):
    _, tokenizer, model = family
    enc = bertkit.encode(tokenizer, TEXTS, model=model)
    expected = tokenizer(TEXTS, padding=True, return_tensors="pt")
    torch.testing.assert_close(enc["input_ids"], expected["input_ids"])
    built = bertkit.build_inputs(tokenizer, TEXTS)
    torch.testing.assert_close(built["input_ids"], expected["input_ids"])
    pairs = tokenizer(TEXTS, TEXTS[::-1], padding=True, return_tensors="pt")  # XLM-R: <s> A </s></s> B </s>
    built_pairs = bertkit.build_inputs(tokenizer, TEXTS, TEXTS[::-1])
    for key in pairs:
        torch.testing.assert_close(built_pairs[key], pairs[key])
    assert len(bertkit.show_inputs(expected, tokenizer).tables) == len(TEXTS)


def test_capture_on_the_encoders_own_layer_list(family):
    _, tokenizer, model = family
    reference, _ = _reference(tokenizer, model, TEXTS)
    layers = _layer_list_name(model)  # encoder.layer, or transformer.layer for DistilBERT
    with bertkit.capture(model, f"{layers}.-1") as out_caught, bertkit.capture(model, f"{layers}.0", inputs=True) as in_caught:
        bertkit.run(tokenizer, model, TEXTS)
    torch.testing.assert_close(out_caught[f"{layers}.-1"][0], reference[-1], atol=1e-5, rtol=0)
    torch.testing.assert_close(in_caught[f"{layers}.0"][0], reference[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize("path", ["hooks", "fallback"])
def test_extract_on_both_of_its_paths(family, path, monkeypatch):
    """The hook path (stops after the highest layer asked for) and the output_hidden_states fallback."""
    _, tokenizer, model = family
    if path == "fallback":
        monkeypatch.setattr(bertkit.forward, "block_names", lambda encoder: None)
    reference, mask = _reference(tokenizer, model, TEXTS)
    vectors = bertkit.extract(TEXTS, tokenizer=tokenizer, model=model, layers=[0, 1, -1], pooling="mean", progress=False)
    m = mask.unsqueeze(-1).float()
    expected = torch.stack([(reference[i] * m).sum(1) / m.sum(1) for i in (0, 1, -1)], dim=1)
    np.testing.assert_allclose(vectors, expected.numpy(), atol=1e-5, rtol=0)
