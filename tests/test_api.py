"""One API: the 0.2 argument names and order, and the 0.1 spellings that still work (with one warning each)."""

from __future__ import annotations

import pytest
import torch

import bertkit
from bertkit import _deprecated


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Each old spelling warns once per process; start from none warned so each test sees its warning."""
    monkeypatch.setattr(_deprecated, "_WARNED", set())


def test_pool_mode_is_now_pooling(batch, fresh_warnings):
    _, enc, out = batch
    h, mask = out.last_hidden_state, enc["attention_mask"]
    new = bertkit.pool(h, mask, pooling="max")
    with pytest.warns(DeprecationWarning, match=r"bertkit.pool\(mode=...\) is now bertkit.pool\(pooling=...\)"):
        old = bertkit.pool(h, mask, mode="max")
    torch.testing.assert_close(old, new, atol=0, rtol=0)
    assert not torch.equal(new, bertkit.pool(h, mask)), "the keyword was not ignored"
    with pytest.raises(TypeError, match="pooling= only"):
        bertkit.pool(h, mask, pooling="cls", mode="max")


def test_combine_layers_how_is_now_layer_pooling(batch, fresh_warnings):
    stacked = bertkit.stack_layers(batch[2].hidden_states)
    new = bertkit.combine_layers(stacked, layer_pooling="sum", k=2)
    with pytest.warns(DeprecationWarning, match=r"combine_layers\(how=...\) is now"):
        old = bertkit.combine_layers(stacked, how="sum", k=2)
    torch.testing.assert_close(old, new, atol=0, rtol=0)
    torch.testing.assert_close(new, stacked[-2] + stacked[-1])


def test_project_2d_method_is_now_projection(fresh_warnings):
    x = torch.randn(12, 5, generator=torch.Generator().manual_seed(0))
    new = bertkit.project_2d(x, projection="pca")
    with pytest.warns(DeprecationWarning, match=r"project_2d\(method=...\) is now"):
        old = bertkit.project_2d(x, method="pca")
    assert (old == new).all()


def test_tokenizer_comes_before_model_everywhere():
    """Every public function that takes both names them in the order bertkit.load() returns them."""
    import inspect

    wrong = set()
    for name in bertkit.__all__:
        function = getattr(bertkit, name)
        if not inspect.isfunction(function):
            continue
        parameters = list(inspect.signature(function).parameters)
        if "tokenizer" in parameters and "model" in parameters and parameters.index("tokenizer") > parameters.index("model"):
            wrong.add(name)
    # Not yet reordered by their module's owner (reported to the integrator); remove a name once it is fixed.
    assert wrong <= KNOWN_MODEL_FIRST, f"(model, tokenizer) order in {sorted(wrong - KNOWN_MODEL_FIRST)}"


KNOWN_MODEL_FIRST: set[str] = set()


def test_typed_package_ships_py_typed():
    from importlib import resources

    assert resources.files("bertkit").joinpath("py.typed").is_file()
