# Two commands: `make demo` (install + run every task on the built-in model) and `make test` (install + test suite).
# torch is installed first by tools/install_torch.py: on a machine without an NVIDIA driver it never pulls a CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH ?= torch==2.13.0

.PHONY: install demo test mutation
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) tools/install_torch.py $(TORCH)
	$(PY) -m pip install -q -e ".[test]"
	touch $@

demo: install
	$(VENV)/bin/eval-anything run --task all --output runs
	$(VENV)/bin/eval-anything leaderboard runs --out site

test: install
	$(VENV)/bin/pytest -q -ra

# Mutation score per module (tools/mutation.py; config in pyproject.toml [tool.mutation]). Bounded: MUTANTS per
# module, drawn with SEED; MUTANTS=0 runs every mutant (about an hour on two cores).
MUTANTS ?= 25
SEED ?= 0
mutation: install
	$(VENV)/bin/pip install -q -e ".[dev]"
	$(PY) tools/mutation.py --sample $(MUTANTS) --seed $(SEED)
