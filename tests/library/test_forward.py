"""bertkit.forward.LayerStates: the hidden states asked for, equal to output_hidden_states, and nothing above them."""

from __future__ import annotations

import pytest
import torch

from bertkit.eval_mode import evaluating
from bertkit.forward import LayerStates, block_names
from bertkit.hooks import find_module


def _batch(tokenizer):
    return dict(tokenizer(["a short text", "a somewhat longer text with more words"], padding=True, return_tensors="pt"))


@pytest.mark.parametrize("needed", [[0], [2], [0, 3], [1, -1], "all"])
def test_states_equal_output_hidden_states_on_every_family(family, needed):
    _, tokenizer, model = family
    encoder = model.base_model
    n_states = encoder.config.num_hidden_layers + 1
    indices = list(range(n_states)) if needed == "all" else sorted({i % n_states for i in needed})
    batch = _batch(tokenizer)
    with evaluating(model):
        reference = encoder(**batch, output_hidden_states=True).hidden_states
        states = LayerStates(encoder, indices)
        got = states(batch)
    assert states.use_hooks, "the hook path ran (it matched hidden_states on this family)"
    assert sorted(got) == indices
    for i in indices:
        torch.testing.assert_close(got[i], reference[i], atol=1e-6, rtol=0)


def test_the_blocks_above_the_highest_state_never_run(tokenizer, model):
    encoder = model.base_model
    names = block_names(encoder)
    assert names is not None
    states = LayerStates(encoder, [0, 2])  # its one-off check that hooks match hidden_states runs every block
    ran: list[str] = []
    handles = [find_module(encoder, n).register_forward_pre_hook(lambda m, a, n=n: ran.append(n)) for n in names]
    try:
        with evaluating(model):
            states(_batch(tokenizer))
    finally:
        for h in handles:
            h.remove()
    assert ran == names[:3], "blocks 0..2 start (block 2's input is hidden_states[2]), none after"
