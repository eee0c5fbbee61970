# Sharify: `make run` starts the bot (the offline sandbox when no Discord token is configured),
# `make test` runs lint, type checks and the whole test suite. Both set up .venv on first use.
PYTHON := $(shell scripts/find-python)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test check lint format typecheck pytest bench lock clean

# Every dependency comes from the hashed dev lock (pip refuses any file whose hash differs), then the project itself,
# editable, with nothing more: its build backend is in the lock too, so nothing is fetched unpinned.
$(STAMP): pyproject.toml requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "Python 3.13+ not found (set SHARIFY_PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --requirement requirements-dev.lock
	$(PIP) install --no-deps --no-build-isolation --editable .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

test: check pytest

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy bot cogs storage

pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/storage_bench.py
	$(BIN)/python benchmarks/lastfm_bench.py
	$(BIN)/python benchmarks/interactions_bench.py

# Re-pin every dependency, with the hash of every file, after changing pyproject.toml (pins already in a lock are
# kept unless pyproject.toml rules them out; `make lock LOCK_ARGS=--upgrade` moves everything to the newest).
#   requirements.lock        the runtime dependencies: what the image installs
#   requirements-dev.lock    runtime + dev tools + the build backend, the runtime pins held equal: what `make` installs
#   requirements-build.lock  the build backend alone: what the image builds the wheel with
LOCK = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
lock: $(STAMP)
	$(LOCK) --output-file requirements.lock pyproject.toml
	$(LOCK) --extra dev --build-deps-for editable --constraint requirements.lock --output-file requirements-dev.lock \
		pyproject.toml
	$(LOCK) --only-build-deps --build-deps-for wheel --constraint requirements-dev.lock \
		--output-file requirements-build.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
