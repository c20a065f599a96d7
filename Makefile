# The course's commands. `make lab` and `make test` install everything they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KERNEL := dlcourse
PORT ?= 8888
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: install lab formgrader test test-fast release check-release bundle book lock clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(PY):
	python3 -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (dlcourse)"
	touch $(STAMP)

install: $(STAMP)  ## create .venv if missing, install the lock, the course package and its kernel

lab: $(STAMP)  ## open the course in JupyterLab on 127.0.0.1
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) --notebook-dir=chapters --no-browser $(ROOT_FLAG)

# nbgrader's server extension reads nbgrader_config.py from the server's working directory, and
# the course root must lie inside the served folder: so serve the repository from grading/.
formgrader: $(STAMP)  ## instructors: JupyterLab at the repository root with nbgrader's formgrader on the course
	cd grading && PATH="$(abspath $(VENV))/bin:$$PATH" "$(abspath $(VENV))/bin/jupyter" lab --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.root_dir="$(CURDIR)" --ServerApp.default_url=/formgrader --no-browser $(ROOT_FLAG)

test: $(STAMP)  ## run the whole test suite
	$(PY) -m pytest

test-fast: $(STAMP)  ## run the suite without the slow tests (notebooks, servers)
	$(PY) -m pytest -m "not slow"

release: $(STAMP)  ## regenerate mytorch/, chapters/ and the student bundle from solutions/
	$(PY) -m grading release

check-release: $(STAMP)  ## leak check and drift check of the committed student edition
	$(PY) -m grading leakcheck
	$(PY) -m grading driftcheck

grade-demo: $(STAMP)  ## sample class -> release -> collect -> autograde -> verify -> feedback -> export (grading/demo/)
	$(PY) -m grading grade-demo

# The book's tools (Jupyter Book 1.x) pin old versions that conflict with the course's lock, so
# they live in their own environment with their own lock, book/requirements-book.lock.
BOOK_VENV ?= .venv-book
$(BOOK_VENV)/.installed: book/requirements-book.lock
	python3 -m venv $(BOOK_VENV)
	$(BOOK_VENV)/bin/python -m pip install --quiet -r book/requirements-book.lock
	touch $@

book: $(STAMP) $(BOOK_VENV)/.installed  ## build the book (static HTML, book/_build/html) from the executed reference, solutions removed
	$(PY) book/prepare.py $(if $(BOOK_EXECUTED),--executed $(BOOK_EXECUTED))
	$(BOOK_VENV)/bin/jupyter-book build book --warningiserror --quiet

lock: $(STAMP)  ## rewrite requirements.lock from the installed environment
	$(PY) -m grading lock

clean:  ## remove build products (keeps .venv)
	rm -rf build dist *.egg-info .pytest_cache test-artifacts book/_build book/chapters
