"""bertkit.pool against sentence-transformers' Pooling module, on a batch with real padding."""

import pytest
import torch
from sentence_transformers.sentence_transformer.modules import Pooling

import bertkit

ST_MODE = {"cls": "cls", "mean": "mean", "max": "max", "mean_sqrt_len": "mean_sqrt_len_tokens"}


@pytest.mark.parametrize("pooling", bertkit.POOLING)
def test_every_mode_equals_sentence_transformers(batch, pooling):
    _, enc, out = batch
    tokens, mask = out.last_hidden_state, enc["attention_mask"]
    reference = Pooling(tokens.shape[-1], pooling_mode=ST_MODE[pooling])(
        {"token_embeddings": tokens, "attention_mask": mask}
    )["sentence_embedding"]
    torch.testing.assert_close(bertkit.pool(tokens, mask, pooling), reference, atol=1e-6, rtol=0)


def test_all_modes_are_covered():
    assert set(bertkit.POOLING) == set(ST_MODE)


@pytest.mark.parametrize("pooling", bertkit.POOLING)
def test_padding_does_not_change_a_sentence_vector(tokenizer, model, batch, pooling):
    texts, enc, out = batch
    in_batch = bertkit.pool(out.last_hidden_state, enc["attention_mask"], pooling)
    for i, text in enumerate(texts):
        alone_enc, alone_out = bertkit.run(tokenizer, model, text)
        alone = bertkit.pool(alone_out.last_hidden_state, alone_enc["attention_mask"], pooling)
        torch.testing.assert_close(in_batch[i : i + 1], alone, atol=1e-5, rtol=0)


def test_an_all_zero_mask_row_is_an_error_not_nan(batch):
    _, enc, out = batch
    mask = enc["attention_mask"].clone()
    mask[2] = 0
    for pooling in bertkit.POOLING:
        with pytest.raises(ValueError, match=r"Row\(s\) \[2\]"):
            bertkit.pool(out.last_hidden_state, mask, pooling)


def test_max_pooling_leaves_its_input_untouched(batch):
    _, enc, out = batch
    tokens = out.last_hidden_state.clone()
    before = tokens.clone()
    bertkit.pool(tokens, enc["attention_mask"], "max")
    assert torch.equal(tokens, before)


def test_bad_arguments(batch):
    _, enc, out = batch
    with pytest.raises(ValueError, match="Valid"):
        bertkit.pool(out.last_hidden_state, enc["attention_mask"], "median")
    with pytest.raises(ValueError, match="attention_mask has shape"):
        bertkit.pool(out.last_hidden_state, enc["attention_mask"][:, :-1])
    with pytest.raises(ValueError, match=r"\(batch, seq, hidden\)"):
        bertkit.pool(bertkit.stack_layers(out.hidden_states), enc["attention_mask"])
