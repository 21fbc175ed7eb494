"""bertkit.capture against the hidden states transformers returns, batch by batch."""

import pytest
import torch

import bertkit


def _hooks(model) -> dict[str, list[int]]:
    """Every forward hook on every submodule (transformers registers some of its own)."""
    return {name: list(m._forward_hooks) for name, m in model.named_modules() if m._forward_hooks}


@pytest.fixture
def no_hooks_left(model, batch):
    """Assert after the test that the model has exactly the hooks it had before.

    transformers installs its own output-capturing hooks at the first forward pass that asks for hidden
    states; ``batch`` has run one, so those are in ``before``.
    """
    before = _hooks(model)
    yield
    assert _hooks(model) == before, "capture left hooks behind"


def test_capture_equals_hidden_states_batch_by_batch(tokenizer, model, no_hooks_left):
    batches = [["I love Paris.", "Short"], ["A much longer sentence about the river bank and money.", "x y z"], ["One"]]
    n_layers = model.config.num_hidden_layers
    names = [f"encoder.layer.{i}.output.LayerNorm" for i in range(n_layers)]
    references = []
    with bertkit.capture(model, *names) as captured:
        for texts in batches:
            references.append(bertkit.run(model, tokenizer, texts)[1].hidden_states)
    for i, name in enumerate(names):
        assert len(captured[name]) == len(batches), "one entry per forward pass"
        for b, states in enumerate(references):
            torch.testing.assert_close(captured[name][b], states[i + 1], atol=1e-6, rtol=0)


def test_negative_indices_and_cat(tokenizer, model):
    with bertkit.capture(model, "encoder.layer.-1.output.LayerNorm") as captured:
        enc1, out1 = bertkit.run(model, tokenizer, ["same length a", "same length b"])
        enc2, out2 = bertkit.run(model, tokenizer, ["same length c", "same length d"])
    assert enc1["input_ids"].shape == enc2["input_ids"].shape
    joined = captured.cat("encoder.layer.-1.output.LayerNorm")
    torch.testing.assert_close(joined, torch.cat([out1.last_hidden_state, out2.last_hidden_state]))


def test_hooks_are_removed_when_the_body_raises(tokenizer, model, no_hooks_left):
    with pytest.raises(RuntimeError, match="boom"):
        with bertkit.capture(model, "encoder.layer.0", "pooler") as captured:
            bertkit.run(model, tokenizer, "hello")
            raise RuntimeError("boom")
    assert len(captured["pooler"]) == 1


def test_task_model_paths_work():
    tokenizer, clf = bertkit.load(head="sequence-classification", num_labels=2)
    with bertkit.capture(clf, "bert.encoder.layer.-1.output.LayerNorm", "classifier") as captured:
        enc, out = bertkit.run(clf, tokenizer, ["good film", "bad film"])
    torch.testing.assert_close(captured["classifier"][0], out.logits)
    torch.testing.assert_close(captured["bert.encoder.layer.-1.output.LayerNorm"][0], out.hidden_states[-1])


@pytest.mark.parametrize("name", ["encoder.layers.5", "encoder.layer.99.output", "bert.encoder.layer.0"])
def test_unknown_module_lists_close_matches(model, name, no_hooks_left):
    with pytest.raises(KeyError, match="Close matches|named_modules"):
        with bertkit.capture(model, name):
            pass


def test_capture_needs_a_name(model):
    with pytest.raises(ValueError, match="at least one"):
        with bertkit.capture(model):
            pass
