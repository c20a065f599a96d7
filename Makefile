# The course's commands. `make lab` and `make test` install everything they need.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KERNEL := dlcourse
PORT ?= 8888
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: check-python install lab formgrader hub hub-proxy test test-fast release check-release bundle book lock clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

# The oldest Python that installs requirements.lock (soupsieve 4.x needs 3.11.5; Debian 12's
# python3 is 3.11.2). README.md and pyproject.toml say the same (tests/test_docs_commands.py).
PYTHON ?= python3
PYTHON_FLOOR := 3.11.5
# $(call check_python,INTERPRETER): one line and exit 1 when it is missing or older than the floor.
check_python = @command -v $(1) >/dev/null || { echo "make install: no $(1) found; the course needs Python >= $(PYTHON_FLOOR) (set PYTHON=/path/to/python3)"; exit 1; }; \
	$(1) -c 'import sys; need = tuple(map(int, "$(PYTHON_FLOOR)".split("."))); found = ".".join(map(str, sys.version_info[:3])); \
	sys.version_info[:3] >= need or sys.exit("make install: Python " + found + " found (" + sys.executable + "), the course needs Python >= $(PYTHON_FLOOR) (requirements.lock); install a newer one and run make again, with PYTHON=/path/to/python3 if it is not python3")'

$(PY):
	$(call check_python,$(PYTHON))
	@echo "make install: [1/5] creating $(VENV) with $$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])')"
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(call check_python,$(PY))
	@echo "make install: [2/5] upgrading pip in $(VENV)"
	$(PY) -m pip install --quiet --upgrade pip
	@echo "make install: [3/5] installing the $$(grep -c '==' requirements.lock) pinned packages of requirements.lock (a few minutes on a first install)"
	$(PY) -m pip install --progress-bar on -c requirements.lock -r requirements.lock
	@echo "make install: [4/5] installing the course package (mytorch, grading) in editable mode"
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@echo "make install: [5/5] registering the Jupyter kernel $(KERNEL)"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (dlcourse)"
	touch $(STAMP)
	@echo "make install: done"
	@$(PY) -m grading doctor || echo "make install: students can use the course; grading refuses until the line above is fixed"

check-python:  ## say whether PYTHON (default python3) is new enough for requirements.lock
	$(call check_python,$(PYTHON))
	@echo "$(PYTHON): Python $$($(PYTHON) -c 'import platform; print(platform.python_version())') (>= $(PYTHON_FLOOR))"

install: $(STAMP)  ## create .venv if missing, install the lock, the course package and its kernel

lab: $(STAMP)  ## open the course in JupyterLab on 127.0.0.1
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) --notebook-dir=chapters --no-browser $(ROOT_FLAG)

# nbgrader's server extension reads nbgrader_config.py from the server's working directory, and
# the course root must lie inside the served folder: so serve the repository from grading/.
# DLCOURSE_FORMGRADER: the formgrader lists only the chapters and generates into a scratch folder
# (grading/nbgrader_config.py), never into chapters/.
formgrader: $(STAMP)  ## instructors: JupyterLab at the repository root with nbgrader's formgrader on the course
	cd grading && DLCOURSE_FORMGRADER=1 PATH="$(abspath $(VENV))/bin:$$PATH" "$(abspath $(VENV))/bin/jupyter" lab --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.root_dir="$(CURDIR)" --ServerApp.default_url=/formgrader --no-browser $(ROOT_FLAG)

# The course's JupyterHub (grading/nbgrader_glue/hub/jupyterhub_config.py; grading/README.md, "On a JupyterHub").
# Its proxy is the npm package configurable-http-proxy, pinned, installed into $(VENV)/hub-proxy.
HUB_PROXY := $(VENV)/hub-proxy/node_modules/.bin/configurable-http-proxy
HUB_PROXY_VERSION := 5.3.0
$(HUB_PROXY):
	npm install --no-audit --no-fund --prefix $(VENV)/hub-proxy configurable-http-proxy@$(HUB_PROXY_VERSION)

hub-proxy: $(HUB_PROXY)  ## install the hub's proxy (npm's configurable-http-proxy) into .venv

hub: $(STAMP) $(HUB_PROXY)  ## as root: the course's JupyterHub on 127.0.0.1:8000 (settings: grading/nbgrader_glue/hub/jupyterhub_config.py)
	exec "$(abspath $(VENV))/bin/jupyterhub" -f "$(CURDIR)/grading/nbgrader_glue/hub/jupyterhub_config.py"

# Every core: a test file per worker (tests/conftest.py says how files share what they must).
XDIST := -n auto --dist loadfile

# make test also installs the hub's proxy where npm exists (tests/test_hub_browser.py skips without it)
test: $(STAMP) $(if $(shell command -v npm),$(HUB_PROXY))  ## run the whole test suite
	$(PY) -m pytest $(XDIST)

test-fast: $(STAMP)  ## run the suite without the slow tests (notebooks, servers)
	$(PY) -m pytest $(XDIST) -m "not slow"

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
