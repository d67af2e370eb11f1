# Two commands do everything on a fresh machine:  make run  (set up, then start the chatbot)
#                                                  make test (set up, then run the whole test suite)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes with pyproject.toml, so a changed dependency list re-runs the install.
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
LLAMA_CPP_VERSION := 0.3.36
# llama.cpp's AMX kernels crash (segfault in the first decode) on virtualised Intel Sapphire Rapids
# CPUs, as seen here on 2026-11-25 (also ggml-org/llama.cpp#20824): a native x86 build leaves them out.
# AVX-512 and AVX2 are kept. Other architectures don't know these flags and need none.
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CMAKE_ARGS := $(if $(NO_AMX),-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)')
# llama.cpp is compiled for this machine's CPU (about twice as fast at prompt processing as a portable
# build); --no-cache-dir: a natively built wheel must never be reused on another CPU. Skipped when the
# installed build has no AMX kernels; a build that has them (from an older set-up) is built again.
define LLAMA_BUILD
$(BIN)/python -c "import llama_cpp as l, sys; sys.exit(b'AMX_INT8 = 1' in l.llama_print_system_info())" \
	2>/dev/null || CMAKE_ARGS="$$CMAKE_ARGS $(LLAMA_CMAKE_ARGS)" \
	$(BIN)/pip install --no-cache-dir --force-reinstall llama-cpp-python==$(LLAMA_CPP_VERSION)
endef

.PHONY: run test setup system llama models index lint bench serve clean

# Start the chat app on http://127.0.0.1:7860 (RAG_HOST / RAG_PORT change that).
run: setup
	$(BIN)/python app.py

test: setup system
	$(BIN)/python -m pytest -q

setup: $(STAMP) models index

# Debian's Chromium, driven by Playwright in the browser tests (never a downloaded browser).
system:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(LLAMA_BUILD)
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Checked on every set-up, so an existing environment with an AMX build is mended too.
llama: $(STAMP)
	@$(LLAMA_BUILD)

models: llama
	$(BIN)/rag models fetch
	# the small GGUF: the transformers backend's offline test loads it
	$(BIN)/rag models fetch qwen2.5-coder-0.5b

index: models
	$(BIN)/rag index
	# evaluate the prompt's fixed part once and save it (~30 MB in the model cache): the app's first
	# answer then takes seconds, not half a minute
	$(BIN)/rag warm

bench: setup
	$(BIN)/rag bench

lint: $(STAMP)
	$(BIN)/ruff check rag tests app.py
	$(BIN)/ruff format --check rag tests app.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index/*.jsonl index/*.npy index/*.index index/*.npz index/bm25-* index/manifest.json
