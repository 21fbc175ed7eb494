"""The exercise checks (bertkit.book.check): one per exercise; blank and wrong answers show ✗ with a message that
says what to do (never the expected answer) and return, or raise in strict mode; answers of the wrong type get a
message naming what was expected; hints exist in both languages; the chapters run every check right after its
solution.

That the solutions pass their checks is tested where they run: the book build and nbmake execute each chapter,
whose solution cell is followed by its check cell (asserted below). Checks of exercises that train models are
``optional``: their cells are tagged ``skip-execution`` and they are tested here on small inputs instead.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch

import bertkit
from _book import BOOK, EDITIONS, cells, notebooks, source
from bertkit.book import check
from bertkit.book.check import CheckFailed

CHECKS = check.chapters()
ALL = [(n, name, ex) for n, module in CHECKS.items() for name, ex in check.exercises(module).items()]
IDS = [f"ch{n}.{name}" for n, name, _ in ALL]
CALL = re.compile(r"check\.ch(\d+)\.(q\d+|self_check)\(")


def _exercise_cells(path):
    """(solution, check) cell pairs of a chapter, in order, and every check cell's call."""
    cs = cells(path)
    pairs = []
    for i, cell in enumerate(cs):
        if "solution" in cell["metadata"].get("tags", []) and cell["cell_type"] == "code":
            pairs.append((cell, cs[i + 1] if i + 1 < len(cs) else None))
    return pairs


def _number(path) -> int:
    return int(path.name[:2])


def _has_exercises(path) -> bool:
    return any(source(c).lstrip().startswith(("## Exercises", "## 연습문제")) for c in cells(path))


@pytest.fixture(autouse=True)
def english():
    before = check.language()
    check.language("en")
    yield
    check.language(before)


def test_every_chapter_with_exercises_has_checks():
    """Lists every chapter whose exercises have no check module or no check cells (e.g. a new chapter)."""
    missing = []
    for path in notebooks():
        if not _has_exercises(path):
            continue
        n = _number(path)
        pairs = _exercise_cells(path)
        if n not in CHECKS or not pairs:
            missing.append(f"{path.relative_to(BOOK)}: no bertkit/book/check/ch{n}.py or no solution/check cells")
            continue
        names = {name for name in check.exercises(CHECKS[n]) if name != "self_check"}
        called = {m.group(2) for sol, chk in pairs if chk for m in CALL.finditer(source(chk))}
        if called != names:
            missing.append(f"{path.relative_to(BOOK)}: check cells call {sorted(called)}, ch{n} defines {sorted(names)}")
    assert not missing, "exercises without a check:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", [p for p in notebooks() if _has_exercises(p)], ids=lambda p: str(p.relative_to(BOOK)))
def test_each_solution_is_followed_by_its_check(path):
    """So the book build and nbmake run every check on its solution (skipped only for optional checks)."""
    n = _number(path)
    pairs = _exercise_cells(path)
    for k, (solution, following) in enumerate(pairs, 1):
        assert following is not None and following["cell_type"] == "code", f"solution {k} has no check cell after it"
        assert "exercise-check" in following["metadata"].get("tags", [])
        calls = CALL.findall(source(following))
        assert calls == [(str(n), f"q{k}")], f"solution {k} is followed by {source(following)!r}"
        skipped = "skip-execution" in solution["metadata"].get("tags", [])
        assert skipped == getattr(CHECKS[n], f"q{k}").optional, (
            f"q{k}: only optional (model-training) checks may skip execution in the book")
        assert skipped == ("skip-execution" in following["metadata"].get("tags", []))
    last = cells(path)[-1]
    assert CALL.findall(source(last)) == [(str(n), "self_check")], "the self-check cell runs check.chN.self_check"


@pytest.mark.parametrize("n, name, ex", ALL, ids=IDS)
def test_blank_answer_shows_a_cross_and_returns(n, name, ex, capsys, monkeypatch):
    """Default mode: ✗ with the reason, printed (no notebook here), nothing raised, nothing returned."""
    monkeypatch.delenv(check.STRICT_ENV, raising=False)
    blank = ({},) if name == "self_check" else ()
    kwargs = {} if name == "self_check" else {p: None for p in inspect.signature(ex.func).parameters}
    for lang in EDITIONS:
        check.language(lang)
        assert ex(*blank, **kwargs) is None
        text = capsys.readouterr().out
        assert text.startswith("✗") and f"check.ch{n}.{name}.hint()" in text
        assert ("None" in text) or ("still open" in text) or ("남은 문제" in text)
        assert "Traceback" not in text and "bertkit/" not in text


@pytest.mark.parametrize("n, name, ex", ALL, ids=IDS)
def test_strict_mode_raises_on_a_blank_answer(n, name, ex, monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(CheckFailed, match=f"check.ch{n}.{name}.hint"):
        ex({}) if name == "self_check" else ex(**{p: None for p in inspect.signature(ex.func).parameters})


@pytest.mark.parametrize("n, name, ex", [a for a in ALL if a[1] != "self_check"], ids=[i for i in IDS if "self" not in i])
def test_answers_are_declared(n, name, ex):
    """Every answer parameter has a kind (for the wrong-type message) and points for the grader."""
    assert ex.answers and set(ex.answers) <= set(ex.params) and ex.points >= 1
    assert not ex.text or ex.text.startswith(f"{name}_")


@pytest.mark.parametrize("n, name, ex", ALL, ids=IDS)
def test_hint_in_both_languages(n, name, ex, capsys):
    for lang in EDITIONS:
        assert len(ex.hint_text(lang)) > 20
        check.language(lang)
        ex.hint()
        assert ex.hint_text(lang) in capsys.readouterr().out
    assert re.search("[가-힣]", ex.hint_text("ko")) and not re.search("[가-힣]", ex.hint_text("en").replace("한국어", ""))


def test_language_is_validated():
    with pytest.raises(ValueError, match="ko"):
        check.language("fr")


# Wrong answers fail, right ones (computed here independently, as the solutions do) pass.

def _fails(ex, *args, match: str) -> None:
    result = ex.evaluate(*args)
    assert not result.passed and re.search(match, str(result)), str(result)


def test_ch1(loaded, capsys):
    tokenizer, model = loaded
    texts = check.ch1.Q1_TEXTS
    right = bertkit.build_inputs(tokenizer, texts, max_length=12)
    counts = (right["input_ids"] == tokenizer.pad_token_id).sum(dim=1)
    assert check.ch1.q1.evaluate(right, counts, tokenizer)
    _fails(check.ch1.q1, bertkit.build_inputs(tokenizer, texts, max_length=10), counts, tokenizer, match="shape")
    _fails(check.ch1.q1, right, counts + 1, tokenizer, match="pad_counts")
    _fails(check.ch1.q1, right, right["attention_mask"].sum(dim=1), tokenizer, match="pad_counts")

    extra = bertkit.load_tokenizer()
    extra.add_tokens(["[NEW]"])
    with pytest.raises(bertkit.TokenizerMismatchError) as raised:
        bertkit.check_tokenizer(extra, model)
    assert check.ch1.q3.evaluate(raised.value, extra, model)
    _fails(check.ch1.q3, ValueError("x"), extra, model, match="`error` is ValueError")
    _fails(check.ch1.q3, raised.value, bertkit.load_tokenizer(), model, match=r"\[NEW\]")


def test_ch1_q3_says_when_the_model_was_resized(loaded):
    """Resizing is what the error advises; then check_tokenizer no longer raises and `error` stays None."""
    import copy

    tokenizer, model = loaded
    extra = bertkit.load_tokenizer()
    extra.add_tokens(["[NEW]"])
    resized = copy.deepcopy(model)
    resized.resize_token_embeddings(len(extra))
    _fails(check.ch1.q3, None, extra, resized, match="model was resized")


def test_wrong_answer_in_default_and_strict_mode(loaded, capsys, monkeypatch):
    tokenizer, _ = loaded
    right = bertkit.build_inputs(tokenizer, check.ch1.Q1_TEXTS, max_length=12)
    wrong_counts = [0, 0, 0]
    monkeypatch.delenv(check.STRICT_ENV, raising=False)
    assert check.ch1.q1(right, wrong_counts, tokenizer) is None
    assert capsys.readouterr().out.startswith("✗ Exercise 1.1: pad_counts = [0, 0, 0]")
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(CheckFailed, match="pad_counts"):
        check.ch1.q1(right, wrong_counts, tokenizer)
    monkeypatch.setenv(check.STRICT_ENV, "0")
    check.ch1.q1(right, wrong_counts, tokenizer)
    assert "✗" in capsys.readouterr().out


def test_wrong_types_name_what_was_expected(loaded):
    tokenizer, model = loaded
    result = check.ch1.q1.evaluate(5, [1, 2], tokenizer)        # raised a raw TypeError inside the check before
    assert "`fixed` is int" in str(result) and "dict of tensors" in str(result)
    check.language("ko")
    assert "`fixed` 값이 int입니다" in str(check.ch1.q1.evaluate(5, [1, 2], tokenizer))
    check.language("en")
    assert "a tensor" in str(check.ch3.q1.evaluate("mean", torch.zeros(2, 3, 4), torch.ones(2, 3)))
    assert "expects a number" in str(check.ch10.q2.evaluate("0.5", None, None, None, 1, 3))
    # a value of the right kind that still breaks the check: the message lists every answer's kind
    odd = check.ch1.q1.evaluate({"input_ids": "abc"}, [1, 2, 3], tokenizer)
    assert not odd.passed and "could not be checked" in str(odd) and "`pad_counts`: a list or tensor" in str(odd)
    assert "call it as check.ch1.q1(fixed, pad_counts, tokenizer)" in str(check.ch1.q1.evaluate(1))


def test_failure_messages_do_not_give_the_answer_away(loaded):
    """The review's cases: ch1 q2 named the [UNK] words; ch2 q3, ch3 q2, ch10 q2 printed the expected values."""
    tokenizer, model = loaded
    unk = [w for w in check.ch1.Q2_TEXT.split() if tokenizer.unk_token in tokenizer.tokenize(w)]
    for lang in EDITIONS:
        check.language(lang)
        text = str(check.ch1.q2.evaluate(["x"], ["y"], tokenizer))
        assert not any(w in text for w in unk)
        L = model.config.num_hidden_layers
        enc, out = bertkit.run(tokenizer, model, check.ch2.Q3_TEXTS)
        text = str(check.ch2.q3.evaluate({0: 0.5, L: 0.5}, model, tokenizer))
        assert "0.5000" in text and not re.search(r"\d\.\d{4}", text.replace("0.5000", ""))
        h = torch.randn(3, 4, 8)
        mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
        naive = (h * mask.unsqueeze(-1)).amax(dim=1)
        expected = [i for i in range(3) if not torch.equal(naive[i], h.masked_fill(mask.unsqueeze(-1) == 0, float("-inf")).amax(dim=1)[i])]
        text = str(check.ch3.q2.evaluate(naive, [5], h, mask))
        assert str(expected) not in text.replace("[5]", "")
        rng = np.random.default_rng(0)
        q, c = rng.normal(size=(6, 2, 4)).astype("float32"), rng.normal(size=(9, 2, 4)).astype("float32")
        top = torch.topk(torch.from_numpy(q[:, 1]) @ torch.from_numpy(c[:, 1]).T, 3)
        text = str(check.ch10.q2.evaluate(0.123, top, q, c, 1, 3))
        assert re.findall(r"\d\.\d{3}", text) == ["0.123"]


def test_notebook_gets_coloured_html(monkeypatch):
    """In a kernel the result is displayed as HTML with a plain-text copy, through IPython's display."""
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append(data))
    monkeypatch.delenv(check.STRICT_ENV, raising=False)
    check.ch7.q3(None, [], None)
    assert shown and "color:#cf222e" in shown[0]["text/html"] and "<code>ex3_eojeol</code>" in shown[0]["text/html"]
    assert shown[0]["text/plain"].startswith("✗ Exercise 7.3")


def test_ch1_q2_follows_the_tokenizer(loaded):
    tokenizer, _ = loaded
    unk = [w for w in check.ch1.Q2_TEXT.split() if tokenizer.unk_token in tokenizer.tokenize(w)]
    vocab = tokenizer.get_vocab()
    import unicodedata

    jamo = [ch for w in unk for ch in unicodedata.normalize("NFD", w) if ch not in vocab and "##" + ch not in vocab]
    assert check.ch1.q2.evaluate(unk, jamo, tokenizer)
    _fails(check.ch1.q2, check.ch1.Q2_TEXT.split(), jamo, tokenizer, match="unk_words")
    if jamo:
        _fails(check.ch1.q2, unk, [], tokenizer, match="missing_jamo")


def test_ch2(loaded):
    tokenizer, model = loaded
    enc, out = bertkit.run(tokenizer, model, ["I love Paris", "The river bank was covered in snow."])
    stacked = bertkit.stack_layers(out.hidden_states)
    L = model.config.num_hidden_layers
    weighted = stacked[1:].mean(dim=0)                      # by hand: the plain mean of h1..hL
    assert check.ch2.q1.evaluate(weighted, bertkit.ScalarMix(L), stacked, model)
    _fails(check.ch2.q1, stacked.mean(dim=0), bertkit.ScalarMix(L), stacked, model, match="mean of the last L")
    _fails(check.ch2.q1, weighted, bertkit.ScalarMix(L + 1), stacked, model, match="ScalarMix")

    assert check.ch2.q2.evaluate(ValueError("not enough values"), out.hidden_states, model)
    _fails(check.ch2.q2, TypeError("x"), out.hidden_states, model, match="`error` is TypeError")
    _fails(check.ch2.q2, ValueError("x"), out.hidden_states[1:], model, match="tensors")

    _fails(check.ch2.q3, {0: 1.0}, model, tokenizer, match="keys")
    _fails(check.ch2.q3, {0: 1.0, L: 1.0}, model, tokenizer, match="bank")


def test_ch2_q4_needs_training(loaded):
    _, model = loaded
    torch.manual_seed(0)
    word_vecs = torch.randn(model.config.num_hidden_layers + 1, 8, 16)
    senses = ["money", "river"] * 4
    untrained = bertkit.ScalarMix(len(word_vecs))
    _fails(check.ch2.q4, untrained, torch.nn.Linear(16, 1), word_vecs, senses, match="uniform")


def test_ch3(loaded):
    tokenizer, model = loaded
    enc, out = bertkit.run(tokenizer, model, ["The cat sat on the mat.", "A dog was barking at the postman all morning."])
    h, attention_mask = out.last_hidden_state, enc["attention_mask"]
    assert check.ch3.q1.evaluate(bertkit.pool(h, attention_mask, "mean_sqrt_len"), h, attention_mask)
    _fails(check.ch3.q1, bertkit.pool(h, attention_mask, "mean"), h, attention_mask, match="mean_sqrt_len")

    mask = attention_mask.unsqueeze(-1).to(h.dtype)
    naive = (h * mask).amax(dim=1)
    padded = [i for i in range(len(h)) if not bool(attention_mask[i].all())]
    assert padded == [0]
    assert check.ch3.q2.evaluate(naive, padded, h, attention_mask)
    _fails(check.ch3.q2, naive, [1], h, attention_mask, match="differing")
    _fails(check.ch3.q2, h.amax(dim=1), padded, h, attention_mask, match="colleague")

    _fails(check.ch3.q3, {"mean": torch.ones(2)}, ["cls", "mean"], model, tokenizer, match="VECTORS")
    _fails(check.ch3.q3, {"mean": torch.ones(2)}, ["mean"], model, tokenizer, match="mean-pooled")


def test_ch5(loaded):
    tokenizer, model = loaded
    size = model.config.intermediate_size
    assert check.ch5.q1.evaluate((2, 7, size), check.ch5.LAYER_NORM, model)
    _fails(check.ch5.q1, (2, 7, model.config.hidden_size), check.ch5.LAYER_NORM, model, match="feed-forward")
    _fails(check.ch5.q1, (2, 7, size), check.ch5.INTERMEDIATE, model, match="equals_hidden")

    texts = ["One short text.", "A second, somewhat longer text than the first one.", "Third."]
    _fails(check.ch5.q2, torch.zeros(3, model.config.hidden_size), texts, model, tokenizer, match="mean-pooled")
    _fails(check.ch5.q2, torch.zeros(2, model.config.hidden_size), texts, model, tokenizer, match="shape")

    enc, out = bertkit.run(tokenizer, model, texts)
    cls0 = out.hidden_states[0][:, 0]
    assert check.ch5.q3.evaluate(cls0, 0.0, out)
    _fails(check.ch5.q3, cls0, 0.5, out, match="silhouette")
    _fails(check.ch5.q3, out.hidden_states[-1][:, 0], 0.0, out, match="h0")


def test_ch6_optional_checks(loaded):
    """q1 and q4 train models, so the book skips them; their checks are tested here on small inputs."""
    _, model = loaded
    _, frozen = bertkit.load(head="sequence-classification", num_labels=2)
    _fails(check.ch6.q1, frozen, 0.7, model, match="encoder")
    frozen.base_model.requires_grad_(False)
    assert check.ch6.q1.evaluate(frozen, 0.7, model)
    _fails(check.ch6.q1, frozen, 70, model, match="between 0 and 1")
    _fails(check.ch6.q1, model, 0.7, model, match="fresh classifier")

    class Args:
        epochs = 4

    y_test = [0, 1, 1]
    assert check.ch6.q4.evaluate({1: [0.1, 0.2, 0.3], 4: [0.1, 0.5, 0.9]}, y_test, Args)
    _fails(check.ch6.q4, {1: [0.1, 0.2, 0.3]}, y_test, Args, match="keys")
    _fails(check.ch6.q4, {1: [0.1], 4: [0.1]}, y_test, Args, match="one score")

    assert check.ch6.q3.evaluate(True, 12)
    _fails(check.ch6.q3, False, 12, match="Hangul")


def test_self_check_reports_each_exercise(loaded):
    tokenizer, model = loaded
    right = bertkit.build_inputs(tokenizer, check.ch1.Q1_TEXTS, max_length=12)
    counts = (right["input_ids"] == tokenizer.pad_token_id).sum(dim=1)
    namespace = {"fixed": right, "pad_counts": counts, "tokenizer": tokenizer, "model": model}
    result = check.ch1.self_check.evaluate(namespace)
    assert not result.passed and "2 still open" in result.lines[0]
    assert "✓ Exercise 1.1" in result.lines and any(ln.startswith("✗ Exercise 1.2") for ln in result.lines)
    assert any("`q3_text`" in ln for ln in result.lines), "an empty answer in words is listed"
    # optional (model-training) exercises are skipped while blank, not failed
    lines = check.ch6.self_check.evaluate({"model": model}).lines
    assert any(ln.startswith("– Exercise 6.1") and "optional" in ln for ln in lines)
    assert any(ln.startswith("✗ Exercise 6.2") for ln in lines)


# Exercises are independent: an answer or solution cell never rebinds a chapter variable that a later cell reads.

def _names(code: str, ctx: type) -> set[str]:
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        found |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        found |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                  for a in n.names}
    return found


def _clobbered(chapter_cells: list[dict], self_check_reads: set[str] = frozenset()) -> list[str]:
    """(cell, name) where an exercise cell rebinds a name the chapter defined earlier and a later cell reads.

    ``self_check_reads``: the names ``check.chN.self_check(globals())`` reads (every check's parameters).
    """
    import ast

    code = [(i, c) for i, c in enumerate(chapter_cells) if c["cell_type"] == "code"]
    exercise = [i for i, c in code if {"solution", "exercise-stub"} & set(c["metadata"].get("tags", []))]
    if not exercise:
        return []
    defined = set().union(*(_names(source(c), ast.Store) for i, c in code if i < exercise[0]))
    problems = []
    for i in exercise:
        after = [c for j, c in code if j > i and not {"solution", "exercise-stub"} & set(c["metadata"].get("tags", []))]
        later = set().union(set(), *(_names(source(c), ast.Load) for c in after))
        if any("self_check(globals())" in source(c) for c in after):
            later |= set(self_check_reads)
        for name in sorted(_names(source(chapter_cells[i]), ast.Store) & defined & later - {"_", "check"}):
            problems.append(f"cell {i} rebinds {name!r}")
    return problems


@pytest.mark.parametrize("path", [p for p in notebooks() if _has_exercises(p)], ids=lambda p: str(p.relative_to(BOOK)))
def test_exercises_do_not_rebind_chapter_variables(path):
    module = CHECKS.get(_number(path))
    reads = {p for ex in (check.exercises(module).values() if module else ()) for p in inspect.signature(ex.func).parameters}
    assert not _clobbered(cells(path), reads)


def test_rebinding_is_detected():
    def cell(text, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text}

    chapter = [cell("built = make()"), cell("built = other()", ["solution"]), cell("check.ch1.q1(x)\nuse(built)")]
    assert _clobbered(chapter) == ["cell 1 rebinds 'built'"]
    chapter[1] = cell("mine = other()", ["solution"])
    assert _clobbered(chapter) == []
    chapter[1:] = [cell("built = other()", ["solution"]), cell("check.ch1.self_check(globals())")]
    assert _clobbered(chapter) == [] and _clobbered(chapter, {"built"}) == ["cell 1 rebinds 'built'"]


@pytest.mark.parametrize("kind", ["xlmr_unigram", "roberta_bpe"])
def test_ch8_q1_accepts_the_solution_on_every_tokenizer_kind(kind, family_paths):
    # SentencePiece and byte-level BPE emit lone space markers (▁, Ġ) that word_vectors leaves out of a word
    tokenizer, model = bertkit.load(family_paths[kind])
    sentence = "토크나이저는 처음 보는 단어를 서브워드 토큰으로 나눕니다."
    words = bertkit.word_vectors(tokenizer, model, sentence, layers=-2, subtoken_pooling="mean")[0]
    assert check.ch8.q1.evaluate(words, sentence, tokenizer, model)


def test_ch8(loaded):
    tokenizer, model = loaded
    sentence = "Unbelievably, the bank opened."
    words = bertkit.word_vectors(tokenizer, model, sentence, layers=-2, subtoken_pooling="mean")[0]
    assert check.ch8.q1.evaluate(words, sentence, tokenizer, model)
    last = bertkit.word_vectors(tokenizer, model, sentence, layers=-1, subtoken_pooling="mean")[0]
    _fails(check.ch8.q1, last, sentence, tokenizer, model, match="second-to-last")
    most = max(len(p) for p in words.pieces)
    longest = next(w for w, p in zip(words.words, words.pieces) if len(p) == most)
    assert check.ch8.q2.evaluate(longest, words)
    if most > min(len(p) for p in words.pieces):
        shortest = next(w for w, p in zip(words.words, words.pieces) if len(p) < most)
        _fails(check.ch8.q2, shortest, words, match="most pieces")
    hidden = model.config.hidden_size
    assert check.ch8.q3.evaluate((len(words), 8 * hidden), words, model)
    _fails(check.ch8.q3, (len(words), 4 * hidden), words, model, match="ex3_shape")
    assert check.ch8.q4.evaluate(1.0)
    _fails(check.ch8.q4, 0.93, match="same character position")


def test_ch9(loaded):
    tokenizer, _ = loaded
    documents = [" ".join(["The river bank was steep and covered in snow."] * 40)]
    counts = {s: len(tokenizer(documents[0], truncation=True, max_length=128, stride=s,
                               return_overflowing_tokens=True)["input_ids"]) for s in (0, 64)}
    assert counts[64] > counts[0] > 1
    assert check.ch9.q1.evaluate(counts, documents, tokenizer, 128)
    _fails(check.ch9.q1, {0: counts[0], 64: counts[0]}, documents, tokenizer, 128, match="stride=64")

    torch.manual_seed(0)
    window_vectors, mapping = torch.randn(5, 8), torch.tensor([0, 0, 0, 1, 1])
    weighted = torch.stack([window_vectors[:3].mean(0) + 0.1, window_vectors[3:].mean(0) + 1.0])
    plain = torch.stack([window_vectors[:3].mean(0), window_vectors[3:].mean(0)])
    most = int(torch.nn.functional.cosine_similarity(plain, weighted).argmin())
    assert check.ch9.q2.evaluate(plain, most, window_vectors, mapping, weighted)
    _fails(check.ch9.q2, plain, 1 - most, window_vectors, mapping, weighted, match="changed_most")
    _fails(check.ch9.q2, weighted, most, window_vectors, mapping, weighted, match="unweighted mean")

    class St:
        max_seq_length = 256

    longest = len(tokenizer(documents[0])["input_ids"])
    assert check.ch9.q3.evaluate(longest <= 256, St, documents, tokenizer)
    _fails(check.ch9.q3, longest > 256, St, documents, tokenizer, match="longest document")


def test_ch7():
    import unicodedata

    from tokenizers import BertWordPieceTokenizer

    from bertkit.book import load_reviews

    reviews = load_reviews("ko", "train")[0]
    eojeols = [e for review in reviews for e in review.split()]

    def train(size):
        tok = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True, handle_chinese_chars=False)
        tok.train_from_iterator(reviews, vocab_size=size, min_frequency=2, limit_alphabet=3000, show_progress=False)
        return tok

    cased, small = train(3000), train(500)
    pieces = [len(small.encode(e, add_special_tokens=False).tokens) for e in eojeols]
    assert check.ch7.q1.evaluate(sum(pieces) / len(pieces), eojeols, cased)
    _fails(check.ch7.q1, 1.0, eojeols, cased, match="3,000-token vocabulary")

    sentence = "배우들의 연기가 정말 좋았다"
    decomposed = unicodedata.normalize("NFD", sentence)
    assert check.ch7.q2.evaluate(lambda texts: [unicodedata.normalize("NFC", t) for t in texts], decomposed, sentence)
    _fails(check.ch7.q2, lambda texts: list(texts), decomposed, sentence, match="NFC")
    _fails(check.ch7.q2, "NFC", decomposed, sentence, match="function")

    count = {e: len(cased.encode(e, add_special_tokens=False).tokens) for e in set(eojeols)}
    assert check.ch7.q3.evaluate(max(count, key=count.get), eojeols, cased)
    _fails(check.ch7.q3, min(count, key=count.get), eojeols, cased, match="pieces")
    _fails(check.ch7.q3, "없는어절입니다만", eojeols, cased, match="not an")


def test_ch10():
    from sklearn.cluster import KMeans

    err = bertkit.VectorsMismatchError("layer3.npy does not match (layers: [3] != [6]).")
    assert check.ch10.q1.evaluate(err)
    _fails(check.ch10.q1, ValueError("layers"), match="`mismatch` is ValueError")
    _fails(check.ch10.q1, bertkit.VectorsMismatchError("pooling: 'cls' != 'mean'"), match="layers")

    rng = np.random.default_rng(0)
    corpus_layers = rng.normal(size=(30, 2, 8)).astype("float32")
    query_layers = rng.normal(size=(10, 2, 8)).astype("float32")
    unit = corpus_layers[:, 1] / np.linalg.norm(corpus_layers[:, 1], axis=1, keepdims=True)
    top = torch.topk(torch.from_numpy(query_layers[:, 1]) @ torch.from_numpy(unit).T, 3)
    raw = torch.from_numpy(query_layers[:, 1]) @ torch.from_numpy(corpus_layers[:, 1]).T
    share = (torch.topk(raw, 3).indices != top.indices).any(dim=1).float().mean().item()
    assert check.ch10.q2.evaluate(share, top, query_layers, corpus_layers, 1, 3)
    _fails(check.ch10.q2, share + 0.1, top, query_layers, corpus_layers, 1, 3, match="neighbours change")

    assert check.ch10.q3.evaluate(KMeans(n_clusters=4, n_init=2, random_state=0).fit(unit), unit)
    _fails(check.ch10.q3, KMeans(n_clusters=2, n_init=2, random_state=0).fit(unit), unit, match="4 clusters")
    _fails(check.ch10.q3, KMeans(n_clusters=4), unit, match="not fitted")
