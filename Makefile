# One task runner: make setup | run | demo | test | check | bench | lock
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run demo test test-fast check format bench lock clean

# The ONNX export goes where the onnx backends look (SYNCRAG_MODEL_DIR, else the per-user cache),
# so that runs find it current instead of exporting it on first use (about 20 s).
setup: $(STAMP)
	$(BIN)/python -m resources.embedding.export_onnx

# torch first, pinned: a CPU wheel lies on the machine's disk, an unpinned torch pulls a CUDA build.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/pip check
	touch $(STAMP)

run: setup
	$(BIN)/syncrag demo --ui

demo: setup
	$(BIN)/syncrag demo

test: setup
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow"

check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/pyright

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench

lock: setup
	{ echo "# Pins for every transitive dependency, tested together (regenerate: make lock)."; \
	  $(BIN)/pip freeze | grep -viE "^(torch==|syncrag|-e |#)"; } > constraints.txt

clean:
	rm -rf .syncrag .dagster_home
