# streamscribe: `make run` (the demo) and `make test` (the full suite) set everything up from
# scratch on a fresh Debian machine, then reuse the caches: .venv, $(CACHE) (uv, Kafka jars,
# Maven repo, KenLM build). Set STREAMSCRIBE_CACHE to share the caches between clones.

SHELL := /bin/bash
PYTHON ?= python3.11
CACHE ?= $(or $(STREAMSCRIBE_CACHE),$(CURDIR)/.cache)
export STREAMSCRIBE_CACHE := $(CACHE)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(CACHE)/uv-venv/bin/uv
APT_PACKAGES := openjdk-17-jre-headless maven espeak-ng sox libsox-fmt-mp3 ffmpeg kcat fortunes \
	fortunes-min cmake g++ libboost-program-options-dev libboost-system-dev libboost-thread-dev \
	libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev

.PHONY: run test check setup system venv lock kafka kenlm bench duplicates clean

run: setup
	$(VENV)/bin/streamscribe demo

test: setup
	$(PY) -m pytest -ra $(PYTEST_ARGS)

# The fast tests: no broker, no model, nothing marked slow (under a minute; see docs/development.md).
CHECK_MARKERS := not broker and not model and not slow
check: venv
	$(PY) -m pytest -q -m "$(CHECK_MARKERS)" $(PYTEST_ARGS)

setup: system venv kafka kenlm

# Debian packages: installed only when one is missing (needs root, as on CI).
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(UV):
	$(PYTHON) -m venv $(CACHE)/uv-venv
	$(CACHE)/uv-venv/bin/pip install -q uv

venv: $(VENV)/.synced

$(VENV)/.synced: requirements.lock pyproject.toml | $(UV)
	test -x $(PY) || $(UV) venv -q --python $(PYTHON) $(VENV)
	UV_CACHE_DIR=$(CACHE)/uv $(UV) pip sync -q --python $(PY) requirements.lock
	UV_CACHE_DIR=$(CACHE)/uv $(UV) pip install -q --python $(PY) --no-deps -e .
	touch $@

# Re-lock after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile -q pyproject.toml --extra test --override requirements-overrides.txt \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock

kafka: venv
	$(PY) -c "from infra.kafka_jars import ensure_jars; print('Kafka jars in', ensure_jars())"

kenlm: venv
	$(PY) -m training.kenlm_build

bench: setup
	$(VENV)/bin/streamscribe bench

duplicates:
	duplicates --change

clean:
	rm -rf $(VENV) .streamscribe .pytest_cache
