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
APT_PACKAGES := openjdk-17-jre-headless maven openssl espeak-ng sox libsox-fmt-mp3 ffmpeg kcat fortunes \
	fortunes-min cmake g++ libboost-program-options-dev libboost-system-dev libboost-thread-dev \
	libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev chromium chromium-driver flite festival \
	festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts asterisk-core-sounds-en \
	asterisk-core-sounds-en-g722 asterisk-core-sounds-en-wav

.PHONY: run test check setup system venv lock kafka kenlm itn punctuation k8s-check bench duplicates clean

run: setup
	$(VENV)/bin/streamscribe demo

test: setup
	$(PY) -m pytest -ra $(PYTEST_ARGS)

# The fast tests: no broker, no model, nothing marked slow (under a minute; see docs/development.md).
CHECK_MARKERS := not broker and not model and not slow
check: venv
	$(PY) -m pytest -q -m "$(CHECK_MARKERS)" $(PYTEST_ARGS)

setup: system venv kafka kenlm itn

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

# NeMo's ITN grammars, compiled once into $(CACHE)/itn (15-30 s), so recognizers start fast.
itn: venv
	$(PY) -c "from recognizer.formatting.itn import NemoInverseNormalizer as N, grammar_cache as c; N().load(); print('ITN grammars in', c())"

# The punctuation and casing model shipped in recognizer/models (streamscribe-small.punct.bin/.json):
# rebuilt from Debian's fortunes (about a minute under nice), then scored on held-out text and on the
# recognizer's own output for the shipped speech samples (a few more minutes). Deterministic for the same text.
punctuation: kenlm
	nice -n 19 $(VENV)/bin/streamscribe train punctuation --output-prefix recognizer/models/streamscribe-small --speech

# Kubernetes: render the Helm chart and validate every manifest against the Kubernetes and KEDA
# schemas, offline. helm and kubeconform are built once from the Go module proxy (minutes of CPU,
# under nice), the schemas come from the kubernetes-validate wheel (PyPI) and KEDA's Go module;
# all of it is cached under $(CACHE).
GO ?= $(or $(shell command -v go 2>/dev/null),/usr/local/go/bin/go)
GO_ENV := GOPATH=$(CACHE)/go GOMODCACHE=$(CACHE)/go/mod GOCACHE=$(CACHE)/go/build GOFLAGS=-buildvcs=false
HELM_VERSION := v3.22.0
KUBECONFORM_VERSION := v0.8.0
KEDA_VERSION := v2.21.0
KUBERNETES_VALIDATE_VERSION := 1.37.0
KUBERNETES_VERSION := 1.33.0
HELM := $(CACHE)/tools/helm-$(HELM_VERSION)/helm
KUBECONFORM := $(CACHE)/tools/kubeconform-$(KUBECONFORM_VERSION)/kubeconform
K8S_SCHEMAS := $(CACHE)/k8s-schemas/k8s-$(KUBERNETES_VERSION)-keda-$(KEDA_VERSION)
CHART := infra/helm/streamscribe

$(HELM):
	test -x "$(GO)" || { echo "Go is needed to build helm (Debian's golang-go is too old; Go >= 1.24)"; exit 1; }
	$(GO_ENV) GOBIN=$(dir $@) nice -n 19 $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(KUBECONFORM):
	test -x "$(GO)" || { echo "Go is needed to build kubeconform (Go >= 1.24)"; exit 1; }
	$(GO_ENV) GOBIN=$(dir $@) nice -n 19 $(GO) install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)

$(K8S_SCHEMAS)/.done: infra/k8s_schemas.py | venv
	$(CACHE)/uv-venv/bin/pip download -q --no-deps -d $(CACHE)/k8s-schemas/wheels \
		kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)
	keda=$$($(GO_ENV) $(GO) mod download -json github.com/kedacore/keda/v2@$(KEDA_VERSION) \
		| $(PY) -c 'import json, sys; print(json.load(sys.stdin)["Dir"])') && \
	$(PY) -m infra.k8s_schemas \
		$(CACHE)/k8s-schemas/wheels/kubernetes_validate-$(KUBERNETES_VALIDATE_VERSION)-py3-none-any.whl \
		$(KUBERNETES_VERSION) $$keda/config/crd/bases $(K8S_SCHEMAS)
	touch $@

k8s-check: $(HELM) $(KUBECONFORM) $(K8S_SCHEMAS)/.done
	$(HELM) lint --strict $(CHART)
	for values in $(CHART)/values.yaml infra/helm/ci/*.yaml; do \
		echo "helm template with $$values"; \
		$(HELM) template ci $(CHART) -f $$values | $(KUBECONFORM) -strict -summary \
			-kubernetes-version $(KUBERNETES_VERSION) \
			-schema-location '$(K8S_SCHEMAS)/kubernetes/{{ .ResourceKind }}{{ .KindSuffix }}.json' \
			-schema-location '$(K8S_SCHEMAS)/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json' \
			|| exit 1; \
	done

bench: setup
	$(VENV)/bin/streamscribe bench

duplicates:
	duplicates --change

clean:
	rm -rf $(VENV) .streamscribe .pytest_cache
