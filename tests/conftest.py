"""Shared fixtures: the bundled model loaded once per session, and a guard that fails any test touching the network.

The hub is forced offline for the whole session (as CI runs), and every non-loopback connection attempt is
refused and recorded; a test that made one fails unless it is marked ``network_probe`` (tests of the code that
probes reachability on purpose).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

import bertkit  # noqa: E402

NETWORK_ATTEMPTS: list[object] = []
_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or not isinstance(host, str) or host == "localhost":
        return True  # unix sockets, None (passive) and localhost
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family != socket.AF_UNIX and not _is_local(address):
        NETWORK_ATTEMPTS.append(address)
        raise ConnectionRefusedError(f"tests may not use the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local((host,)) and host not in ("127.0.0.1", "::1"):
        NETWORK_ATTEMPTS.append(host)
        raise socket.gaierror(f"tests may not use the network (looked up {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "network_probe: the test makes (refused) connection attempts on purpose")
    config.addinivalue_line("markers", "library: a test of bertkit's core (tests/library/)")
    config.addinivalue_line("markers", "book: a test of the book, its editions, checks and rendered pages (tests/book/)")
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, so `pytest -m library` or `-m book` picks one side from anywhere."""
    for item in items:
        folder = item.path.parent.name
        if folder in ("library", "book"):
            item.add_marker(getattr(pytest.mark, folder))


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest):
    """Fail a test that tried to reach the network (unless marked ``network_probe``)."""
    NETWORK_ATTEMPTS.clear()
    yield
    if NETWORK_ATTEMPTS and request.node.get_closest_marker("network_probe") is None:
        pytest.fail(f"test tried to use the network: {NETWORK_ATTEMPTS}")


@pytest.fixture(scope="session")
def loaded():
    """(tokenizer, model) of the bundled checkpoint, loaded once."""
    torch.manual_seed(0)
    return bertkit.load()


@pytest.fixture(scope="session")
def tokenizer(loaded):
    return loaded[0]


@pytest.fixture(scope="session")
def model(loaded):
    return loaded[1]


@pytest.fixture(scope="session")
def family_paths(tmp_path_factory) -> dict:
    """{family: folder} of the tiny random-weight checkpoints of tests/families.py, built once per session."""
    from families import build_all

    return build_all(tmp_path_factory.mktemp("families"))


@pytest.fixture(scope="session", params=["bert", "roberta", "electra", "distilbert"])
def family(request, family_paths):
    """(name, tokenizer, model) of each family in turn (BERT, klue-style RoBERTa, ELECTRA, DistilBERT)."""
    tokenizer, model = bertkit.load(family_paths[request.param])
    return request.param, tokenizer, model


@pytest.fixture(scope="session")
def batch(tokenizer, model):
    """A padded batch with real padding (very different lengths) and its outputs with every hidden state."""
    texts = [
        "I love Paris.",
        "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon.",
        "Hi",
        "Embeddings from every encoder layer differ.",
    ]
    encoding, outputs = bertkit.run(tokenizer, model, texts)
    assert (encoding["attention_mask"] == 0).any(), "the fixture must contain padding"
    return texts, encoding, outputs


# What a fresh interpreter sees around ``import bertkit``: measured once, in one process, for the tests that need a
# clean ``sys.modules`` (each python process costs seconds: torch and transformers are imported again).
_FRESH_IMPORT = """
import json, sys
import matplotlib
before = dict(matplotlib.rcParams)
import bertkit
facts = {
    "book_modules": sorted(m for m in sys.modules if m.startswith("bertkit.book")),
    "rcparams_unchanged": before == dict(matplotlib.rcParams),
}
facts["book_attribute"] = hasattr(bertkit, "book")  # before anything imports bertkit.book
import bertkit.book
facts["glue_module"] = bertkit.book.glue.__module__
print(json.dumps(facts))
"""


@pytest.fixture(scope="session")
def fresh_import() -> dict:
    """In a new python: ``book_modules`` (``bertkit.book*`` modules loaded by ``import bertkit``),
    ``rcparams_unchanged`` (matplotlib's settings before and after ``import bertkit``), ``book_attribute``
    (whether ``bertkit.book`` is reachable before it is imported) and ``glue_module``
    (``bertkit.book.glue.__module__`` after ``import bertkit.book``)."""
    done = subprocess.run([sys.executable, "-c", _FRESH_IMPORT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
