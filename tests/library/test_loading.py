"""bertkit.loading: the bundled checkpoint, heads, and clear errors when a checkpoint can't be had."""

import socket
import time

import pytest
import requests
import torch
from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled
from transformers import BertForMaskedLM, BertForSequenceClassification, BertModel

import bertkit
from bertkit import loading
from bertkit.loading import BUNDLED_SHA256, CheckpointUnavailableError, ChecksumError


def test_default_is_the_verified_bundled_bert(model, tokenizer):
    assert isinstance(model, BertModel)
    assert bertkit.is_bundled(model)
    assert not model.training, "load() returns the model in eval mode"
    assert model.pooler is not None, "the bundled checkpoint has pooler weights"
    assert bertkit.verify_bundled() == bertkit.bundled_model_path()
    assert tokenizer.name_or_path == model.config._name_or_path


def test_checksum_mismatch_is_an_error(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ChecksumError, match=BUNDLED_SHA256):
        bertkit.verify_bundled(tmp_path)


def test_environment_variable_names_the_checkpoint(monkeypatch, tmp_path):
    monkeypatch.setenv("BERTKIT_MODEL", str(tmp_path))
    assert bertkit.resolve_checkpoint() == str(tmp_path)
    assert bertkit.resolve_checkpoint("klue/bert-base") == "klue/bert-base"
    monkeypatch.delenv("BERTKIT_MODEL")
    assert bertkit.resolve_checkpoint() == str(bertkit.bundled_model_path())


def test_heads_and_kwargs_go_through(model):
    _, clf = bertkit.load(head="sequence-classification", num_labels=3)
    assert isinstance(clf, BertForSequenceClassification)
    assert clf.classifier.out_features == 3
    # the encoder under the head holds the checkpoint's weights, not fresh ones
    torch.testing.assert_close(clf.bert.embeddings.word_embeddings.weight, model.embeddings.word_embeddings.weight)
    _, mlm = bertkit.load(head="masked-lm")
    assert isinstance(mlm, BertForMaskedLM)
    _, with_states = bertkit.load(output_hidden_states=True)
    assert with_states.config.output_hidden_states


def test_unknown_head_lists_the_valid_ones():
    with pytest.raises(ValueError, match="sequence-classification"):
        bertkit.load(head="sentiment")


def test_remote_code_and_pickle_weights_are_refused():
    with pytest.raises(ValueError, match="remote code"):
        bertkit.load(trust_remote_code=True)
    with pytest.raises(ValueError, match="safetensors"):
        bertkit.load(use_safetensors=False)


def test_loading_report_request_points_to_transformers():
    with pytest.raises(ValueError, match="output_loading_info=True"):
        bertkit.load(head="masked-lm", output_loading_info=True)


def test_missing_hub_checkpoint_offline_fails_fast_and_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(CheckpointUnavailableError) as err:
        bertkit.load("no-such-org/no-such-bert")
    assert time.perf_counter() - start < 10, "no HTTP retries while offline"
    message = str(err.value)
    assert "no-such-org/no-such-bert" in message and "Colab" in message and "bertkit.load()" in message


@pytest.mark.network_probe
def test_unreachable_hub_without_offline_flag_gives_the_same_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    with pytest.raises(CheckpointUnavailableError, match="can't be reached"):
        bertkit.load_tokenizer("no-such-org/no-such-bert")


def test_a_local_directory_that_is_not_a_checkpoint_is_an_error(tmp_path):
    with pytest.raises(CheckpointUnavailableError, match="config.json"):
        bertkit.load(tmp_path)


class _FakeAuto:
    """An Auto class whose cache lookup misses and whose hub call does what ``online`` says (put in place of
    ``AutoTokenizer`` for the public :func:`bertkit.load_tokenizer`)."""

    def __init__(self, online):
        self.online = online

    def from_pretrained(self, checkpoint, local_files_only=False, **kwargs):
        if local_files_only:
            raise OSError(f"{checkpoint} is not in the cache")
        return self.online()


def test_a_hub_reachable_through_a_proxy_is_used_even_when_direct_connections_fail(monkeypatch):
    """The old raw TCP probe ignored HTTPS_PROXY: with direct connections blocked it called the hub unreachable."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")

    def blocked(*args, **kwargs):
        raise ConnectionRefusedError("direct connections are blocked here; only the proxy gets out")

    monkeypatch.setattr(socket, "create_connection", blocked)
    loaded = object()
    monkeypatch.setattr(loading, "AutoTokenizer", _FakeAuto(lambda: loaded))
    assert bertkit.load_tokenizer("some-org/some-bert") is loaded


def _raise_chained(error: BaseException):
    def online():
        try:
            raise error
        except BaseException as inner:  # as transformers does: an OSError raised from the hub's error
            raise OSError("We couldn't connect to the hub") from inner

    return online


@pytest.mark.parametrize(
    "error",
    [
        LocalEntryNotFoundError("not in the cache and outgoing traffic is disabled"),
        OfflineModeIsEnabled("offline"),
        requests.exceptions.ConnectionError("proxy refused"),
        requests.exceptions.ReadTimeout("timed out"),
        ConnectionResetError("reset"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_hub_errors_that_mean_unreachable_become_checkpoint_unavailable(monkeypatch, error):
    monkeypatch.setattr(loading, "AutoTokenizer", _FakeAuto(_raise_chained(error)))
    with pytest.raises(CheckpointUnavailableError, match="can't be reached") as info:
        bertkit.load_tokenizer("some-org/some-bert")
    assert info.value.__cause__ is not None, "the hub's own error stays attached"


def test_a_missing_repository_is_not_reported_as_unreachable(monkeypatch):
    error = OSError("some-org/typo is not a valid model identifier")
    monkeypatch.setattr(loading, "AutoTokenizer", _FakeAuto(_raise_chained(error)))
    with pytest.raises(OSError) as info:
        bertkit.load_tokenizer("some-org/typo")
    assert not isinstance(info.value, CheckpointUnavailableError)
