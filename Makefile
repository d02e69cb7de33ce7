# The two commands of the README: `make book` and `make test`.
# Both create .venv when it is missing and install the pinned environment into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install book test unit notebooks build lab lint clean student site-test

help:
	@echo "make book   build the website into _build/html (executes every notebook)"
	@echo "make test   unit tests, doctests, every notebook under nbval (once), and the book build"
	@echo "make lab    open the notebooks in JupyterLab"
	@echo "make student      student edition of the notebooks (no solutions, self-checks) in _build/student"
	@echo "make site-test    the built website in headless Chromium (needs chromium + chromium-driver)"
	@echo "make lint   ruff on the package, tests and notebooks"
	@echo "make clean  remove the build, caches and the virtual environment"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python book/_ext/check_site.py _build/html
	@echo
	@echo "The website is in _build/html. Open: file://$(CURDIR)/_build/html/index.html"

book: build

# The test flags (doctests, nbval) live in pyproject.toml, so a plain `pytest` runs the
# same suite. nbval writes each notebook it ran without failure into the jupyter-cache
# of the book (conftest.py), so the build after the tests executes no notebook again.
PYTEST := $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --durations=0

unit: $(STAMP)
	$(PYTEST) tests src/miakit

notebooks: $(STAMP)
	$(PYTEST) notebooks

test: $(STAMP)
	MIAKIT_BOOK_BUILD_FOLLOWS=1 $(PYTEST)
	$(MAKE) build

student: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python book/_ext/student_edition.py --out _build/student

# The built website read in headless Chromium (Debian's chromium + chromium-driver);
# run after `make book` or `make test`. .ci/run calls it after `make test`.
site-test: $(STAMP)
	$(BIN)/python book/_ext/browser_test.py _build/html

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

lint: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks book/_ext conftest.py
	$(BIN)/ruff format --check src tests notebooks benchmarks book/_ext conftest.py

clean:
	rm -rf _build .pytest_cache $(VENV) src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
