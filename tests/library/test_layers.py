"""bertkit.layers against the model's own outputs (hidden_states tuple, last_hidden_state)."""

import pytest
import torch

import bertkit
from bertkit import ScalarMix


def test_stack_has_every_layer_and_ends_with_the_last_hidden_state(batch, model):
    _, _, out = batch
    stacked = bertkit.stack_layers(out.hidden_states)
    n_states = model.config.num_hidden_layers + 1
    assert stacked.shape == (n_states, *out.last_hidden_state.shape)
    torch.testing.assert_close(stacked[-1], out.last_hidden_state, atol=0, rtol=0)
    for i, state in enumerate(out.hidden_states):
        assert torch.equal(stacked[i], state)


def test_missing_hidden_states_says_how_to_get_them():
    with pytest.raises(ValueError, match="output_hidden_states=True"):
        bertkit.stack_layers(None)


@pytest.mark.parametrize("empty", [(), []], ids=["tuple", "list"])
def test_empty_hidden_states_is_a_clear_error(empty):
    """torch.stack(()) raises a bare RuntimeError ("stack expects a non-empty TensorList")."""
    with pytest.raises(ValueError, match="hidden_states is empty"):
        bertkit.stack_layers(empty)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(0, [0]), (-1, [-1]), (-2, [-2]), ([1, -1], [1, -1]), (slice(-4, None), [-4, -3, -2, -1]), ("all", None)],
)
def test_select_layers_matches_indexing_the_tuple(batch, spec, expected):
    _, _, out = batch
    states = out.hidden_states
    picked = bertkit.select_layers(bertkit.stack_layers(states), spec)
    indices = range(len(states)) if expected is None else expected
    reference = torch.stack([states[i] for i in indices])
    assert torch.equal(picked, reference)


@pytest.mark.parametrize("spec", [99, -99, [0, 99]])
def test_unknown_layer_says_how_many_layers_there_are(batch, model, spec):
    stacked = bertkit.stack_layers(batch[2].hidden_states)
    n = model.config.num_hidden_layers
    with pytest.raises(IndexError, match=f"{n} encoder layers"):
        bertkit.select_layers(stacked, spec)


@pytest.mark.parametrize("spec", ["last", [], slice(50, None), 1.5, True])
def test_malformed_layer_specs_are_refused(batch, spec):
    stacked = bertkit.stack_layers(batch[2].hidden_states)
    with pytest.raises((ValueError, TypeError)):
        bertkit.select_layers(stacked, spec)


def test_combinations_match_the_definitions(batch):
    states = batch[2].hidden_states
    stacked = bertkit.stack_layers(states)
    c = bertkit.combine_layers
    assert torch.equal(c(stacked), states[-1]), "the default is the last layer"
    assert torch.equal(c(stacked, layers=-2), states[-2])
    assert torch.equal(c(stacked, layers=len(states) - 1, layer_pooling="sum"), states[-1])
    last_four = [-4, -3, -2, -1]
    torch.testing.assert_close(c(stacked, layers=last_four, layer_pooling="sum"), sum(states[-4:]))
    torch.testing.assert_close(c(stacked, layers=slice(-2, None)), (states[-2] + states[-1]) / 2)
    assert torch.equal(c(stacked, layers=last_four, layer_pooling="concat"), torch.cat(states[-4:], dim=-1))
    assert torch.equal(c(stacked, layers=[-1, 0], layer_pooling="concat"), torch.cat([states[-1], states[0]], -1))
    weights = torch.linspace(0, 1, len(states))
    torch.testing.assert_close(c(stacked, layers="all", layer_pooling="sum", weights=weights),
                               sum(w * s for w, s in zip(weights, states)))
    torch.testing.assert_close(c(stacked, layers=[-2, -1], layer_pooling="mean", weights=[2.0, 4.0]),
                               (2 * states[-2] + 4 * states[-1]) / 2)


@pytest.mark.parametrize("old", ["last", "second_to_last", "weighted", "median"])
def test_unknown_layer_pooling_lists_the_valid_ones_and_says_how_to_pick_layers(batch, old):
    stacked = bertkit.stack_layers(batch[2].hidden_states)
    with pytest.raises(ValueError, match=r"Valid: \('mean', 'sum', 'concat'\).*layers="):
        bertkit.combine_layers(stacked, layers=-1, layer_pooling=old)
    assert bertkit.LAYER_POOLING == ("mean", "sum", "concat")


def test_bad_weights_or_layers_are_refused(batch):
    stacked = bertkit.stack_layers(batch[2].hidden_states)
    with pytest.raises(ValueError, match="one per chosen layer"):
        bertkit.combine_layers(stacked, layers=[-2, -1], weights=[1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="encoder layers"):
        bertkit.combine_layers(stacked, layers=len(stacked), layer_pooling="sum")
    with pytest.raises(TypeError):
        bertkit.combine_layers(stacked, "sum")  # layers and layer_pooling are keywords


def test_scalar_mix_starts_as_the_mean_and_learns(batch):
    stacked = bertkit.stack_layers(batch[2].hidden_states).detach().clone()
    mix = ScalarMix(stacked.shape[0])
    torch.testing.assert_close(mix(stacked), stacked.mean(dim=0))
    mix(stacked).pow(2).mean().backward()
    assert mix.scalars.grad is not None and mix.scalars.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="built for"):
        mix(stacked[:-1])
