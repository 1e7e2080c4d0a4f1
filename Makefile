# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test check install bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/saferkit demo --out demo-out

test: $(STAMP)
	$(VENV)/bin/pytest

# The linter and the type checker (both run by .ci/run before the tests).
check: $(STAMP)
	$(VENV)/bin/ruff check .
	PYTHON=$(PY) tools/typecheck.sh

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) demo-out build *.egg-info
