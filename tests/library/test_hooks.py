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
            references.append(bertkit.run(tokenizer, model, texts)[1].hidden_states)
    for i, name in enumerate(names):
        assert len(captured[name]) == len(batches), "one entry per forward pass"
        for b, states in enumerate(references):
            torch.testing.assert_close(captured[name][b], states[i + 1], atol=1e-6, rtol=0)


def test_negative_indices_and_cat(tokenizer, model):
    with bertkit.capture(model, "encoder.layer.-1.output.LayerNorm") as captured:
        enc1, out1 = bertkit.run(tokenizer, model, ["same length a", "same length b"])
        enc2, out2 = bertkit.run(tokenizer, model, ["same length c", "same length d"])
    assert enc1["input_ids"].shape == enc2["input_ids"].shape
    joined = captured.cat("encoder.layer.-1.output.LayerNorm")
    torch.testing.assert_close(joined, torch.cat([out1.last_hidden_state, out2.last_hidden_state]))


def test_hooks_are_removed_when_the_body_raises(tokenizer, model, no_hooks_left):
    with pytest.raises(RuntimeError, match="boom"):
        with bertkit.capture(model, "encoder.layer.0", "pooler") as captured:
            bertkit.run(tokenizer, model, "hello")
            raise RuntimeError("boom")
    assert len(captured["pooler"]) == 1


def test_task_model_paths_work():
    tokenizer, clf = bertkit.load(head="sequence-classification", num_labels=2)
    with bertkit.capture(clf, "bert.encoder.layer.-1.output.LayerNorm", "classifier") as captured:
        enc, out = bertkit.run(tokenizer, clf, ["good film", "bad film"])
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


def test_a_module_returning_a_model_output_records_its_first_field():
    """capture(task_model, "bert") used to fail with "'BaseModelOutputWithPooling' has no attribute 'detach'"."""
    tokenizer, clf = bertkit.load(head="sequence-classification", num_labels=2)
    prefix = clf.base_model_prefix
    with bertkit.capture(clf, prefix) as captured:
        enc, out = bertkit.run(tokenizer, clf, ["good film", "a bad, bad film"])
    torch.testing.assert_close(captured[prefix][0], out.hidden_states[-1], atol=0, rtol=0)


def test_inputs_of_a_layer_are_the_hidden_states_before_it(tokenizer, model, no_hooks_left):
    layers = [0, model.config.num_hidden_layers - 1]
    names = [f"encoder.layer.{i}" for i in layers]
    with bertkit.capture(model, *names, inputs=True) as captured:
        _, out = bertkit.run(tokenizer, model, ["the input of layer i", "is hidden_states[i]"])
    for i, name in zip(layers, names):
        torch.testing.assert_close(captured[name][0], out.hidden_states[i], atol=0, rtol=0)


def test_captures_can_be_kept_on_another_device(tokenizer, model):
    # "meta" stands in for "cpu" on a GPU machine: a device other than the model's, checkable on any machine.
    with bertkit.capture(model, "encoder.layer.-1.output.LayerNorm", device="meta") as captured:
        bertkit.run(tokenizer, model, ["one", "two"])
    kept = captured["encoder.layer.-1.output.LayerNorm"][0]
    assert kept.device.type == "meta" and model.device.type != "meta"


def test_cat_refuses_batches_of_different_lengths_clearly_or_pads_them(tokenizer, model):
    name = "encoder.layer.-1.output.LayerNorm"
    with bertkit.capture(model, name) as captured:
        enc1, out1 = bertkit.run(tokenizer, model, ["short", "tiny"])
        enc2, out2 = bertkit.run(tokenizer, model, ["a much longer sentence than the first batch had"])
    seq1, seq2 = enc1["input_ids"].shape[1], enc2["input_ids"].shape[1]
    assert seq1 < seq2
    with pytest.raises(ValueError, match="pad_value"):
        captured.cat(name)
    joined = captured.cat(name, pad_value=0.0)
    assert joined.shape == (3, seq2, model.config.hidden_size)
    torch.testing.assert_close(joined[:2, :seq1], out1.last_hidden_state)
    assert torch.count_nonzero(joined[:2, seq1:]) == 0
    torch.testing.assert_close(joined[2:], out2.last_hidden_state)


def test_stop_ends_the_pass_once_every_name_is_recorded(tokenizer, model, batch, no_hooks_left):
    _, encoding, outputs = batch
    ran: list[int] = []
    blocks = model.encoder.layer
    handles = [block.register_forward_pre_hook(lambda m, a, i=i: ran.append(i)) for i, block in enumerate(blocks)]
    try:
        with torch.no_grad(), bertkit.capture(model, "encoder.layer.1", "encoder.layer.0", inputs=True,
                                              stop=True) as captured:
            model(**encoding)
            raise AssertionError("stop=True ends the with block at the model call")
    finally:
        for handle in handles:
            handle.remove()
    assert ran == [0, 1], "block 1 starts (its input is recorded), nothing after it runs"
    torch.testing.assert_close(captured["encoder.layer.1"][0], outputs.hidden_states[1], atol=1e-6, rtol=0)
    torch.testing.assert_close(captured["encoder.layer.0"][0], outputs.hidden_states[0], atol=1e-6, rtol=0)
