# Everyone (and CI) runs the same targets. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
BUILD := $(ROOT)/build
VENV := $(BUILD)/venv
LINT_VENV := $(BUILD)/lint-venv
BIN := $(VENV)/bin
PYTHON ?= python3
# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>/, outside this
# git tree (it would list the files through git, and build/ is ignored there).
COLLECTIONS := /tmp/signed.registry-$(shell printf %s "$(ROOT)" | md5sum | cut -c1-8)/collections
COLL := $(COLLECTIONS)/ansible_collections/signed/registry
export SR_ENV_DIR ?= $(BUILD)/env
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
TARGET ?=
ANSIBLE_TEST_PY := 3.11

.PHONY: help bootstrap bare-check venv collection sanity lint units integration integration-newest test env-up env-down env-reset demo mirror-demo bench bad-inputs docs-check molecule clean

help:
	@echo "make test          everything .ci/run runs: sanity, units, integration (starts and stops the test services)"
	@echo "make bootstrap     apt-get install the Debian packages of tests/host-packages.txt that are missing (every target below does it first)"
	@echo "make bare-check    make bootstrap, collection and venv in a bare Debian 12 container: proves the package list complete"
	@echo "make demo          the quick start: playbooks/site.yml (registry, verified and signed mirrors, pulling host, proof) in podman containers"
	@echo "make mirror-demo   playbooks/demo.yml: mirrors declared and synced against the test services (make env-up)"
	@echo "make sanity        ansible-test sanity"
	@echo "make lint          ansible-lint, production profile (.ansible-lint), on the installed collection"
	@echo "make units         unit tests of plugins/module_utils"
	@echo "make docs-check    build the Galaxy tarball, install it, render every module with ansible-doc; galaxy-importer, antsibull-docs and antsibull-changelog lint"
	@echo "make integration [TARGET=x]   integration targets against the running services (see env-up), on ansible-core 2.19"
	@echo "make integration-newest [TARGET=x]   the same on the newest supported ansible-core (2.21, Python 3.13)"
	@echo "make env-up / env-down        start / stop Pulp and the upstream registry on 127.0.0.1 (env-up also installs cosign and skopeo from Debian trixie into build/tools)"
	@echo "make molecule [SCENARIO=x]   role scenarios in podman systemd containers (Debian 12 and 13)"
	@echo "make bench         benchmarks against pulp-cli and the cosign CLI (prints ratios, writes docs/benchmarks.md)"
	@echo "make bad-inputs    the table of bad inputs and what each gets (docs/bad-inputs.md, from real runs)"

# The Debian packages every target needs (tests/host-packages.txt): each entry target depends on
# this, so whichever command runs first on a bare machine installs them (~0.05 s when present).
# File targets take it as an order-only prerequisite: it runs first but never makes them stale.
# Only help, clean and env-down (which stops what env-up started) go without.
bootstrap:
	@bash tests/bootstrap.sh

$(VENV)/.installed: requirements.txt requirements-keyless.txt tests/requirements-dev.txt | bootstrap
	$(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT= $(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt \
		-r requirements-keyless.txt -r tests/requirements-dev.txt
	touch $@

venv: bootstrap $(VENV)/.installed

collection: bootstrap venv
	@mkdir -p $(COLL)
	@rsync -a --delete --exclude /build --exclude /.git --exclude /tests/output \
		--exclude __pycache__ --exclude /tests/integration/integration_config.yml $(ROOT)/ $(COLL)/

sanity: bootstrap collection
	$(BIN)/python tests/utils/ansible_test_pip_bootstrap.py >/dev/null
	cd $(COLL) && PATH=$(BIN):$$PATH ansible-test sanity --venv --python $(ANSIBLE_TEST_PY) --color no $(SANITY_ARGS)

$(LINT_VENV)/.installed: tests/requirements-lint.txt | bootstrap
	$(PYTHON) -m venv $(LINT_VENV)
	PIP_CONSTRAINT= $(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements-lint.txt
	touch $@

lint: bootstrap collection $(LINT_VENV)/.installed
	cd $(COLL) && PATH=$(LINT_VENV)/bin:$$PATH ansible-lint --nocolor

# Real keyless signatures and the Sigstore conformance cases no one here wrote (not copied in).
export SIGNED_REGISTRY_TESTDATA ?= $(abspath $(ROOT)/../shared/testdata)

units: bootstrap collection
	cd $(COLLECTIONS) && $(BIN)/python -m pytest -q -p no:cacheprovider ansible_collections/signed/registry/tests/unit

# The ansible-core releases still supported upstream beside the one above (2.19 on Python 3.11):
# sanity and units on each, on a Python it supports (pyenv's where PATH has none).
COMPAT ?= 2.20:3.12 2.21:3.13
compat: bootstrap collection
	SR_COLLECTION=$(COLL) bash tests/utils/compat.sh $(COMPAT)

env-up: bootstrap venv
	bash tests/env/clients.sh
	SR_PYTHON=$(BIN)/python bash tests/env/up.sh

env-down:
	bash tests/env/down.sh

env-reset: bootstrap venv
	$(BIN)/python tests/env/pulp_reset.py

integration: bootstrap collection
	@test -f $(SR_ENV_DIR)/integration_config.yml || { echo "no test services: run 'make env-up' first" >&2; exit 1; }
	cp $(SR_ENV_DIR)/integration_config.yml $(COLL)/tests/integration/integration_config.yml
	cd $(COLL) && PATH=$(BIN):$$PATH ansible-test integration --local --python $(ANSIBLE_TEST_PY) --color no $(TARGET)

# The same targets on the newest supported ansible-core (make integration runs them on the oldest).
NEWEST ?= 2.21:3.13
NEWEST_VENV := $(BUILD)/venv-core-$(firstword $(subst :, ,$(NEWEST)))
integration-newest: bootstrap collection
	@test -f $(SR_ENV_DIR)/integration_config.yml || { echo "no test services: run 'make env-up' first" >&2; exit 1; }
	SR_COLLECTION=$(COLL) bash tests/utils/compat.sh --venv-only $(NEWEST)
	$(NEWEST_VENV)/bin/python tests/utils/ansible_test_pip_bootstrap.py >/dev/null
	cp $(SR_ENV_DIR)/integration_config.yml $(COLL)/tests/integration/integration_config.yml
	cd $(COLL) && PATH=$(NEWEST_VENV)/bin:$$PATH ansible-test integration --local \
		--python $(lastword $(subst :, ,$(NEWEST))) --color no $(TARGET)

MOLECULE_SCENARIOS ?= sigstore_client_debian13 sigstore_client_debian12 pulp_registry site
SCENARIO ?=
molecule: bootstrap
	@passed=0; failed=0; for s in $(or $(SCENARIO),$(MOLECULE_SCENARIOS)); do \
		if bash tests/molecule/run.sh $$s; then passed=$$((passed + 1)); else failed=$$((failed + 1)); fi; \
	done; echo "molecule: $$passed passed, $$failed failed"; test $$failed -eq 0

docs-check: bootstrap venv $(LINT_VENV)/.installed
	SR_BIN=$(BIN) bash tests/utils/build_and_doc.sh 2>/dev/null

# A bare Debian 12 container: make bootstrap, then make collection and make venv in it (~40 s;
# the first run on a machine also builds the image with debootstrap, ~60 s more).
bare-check: bootstrap
	bash tests/utils/bare_machine.sh

# The test services are started for the integration run and stopped whatever its outcome.
test: bootstrap sanity lint units compat docs-check bare-check
	$(MAKE) env-up
	status=0; $(MAKE) integration && $(MAKE) integration-newest || status=$$?; $(MAKE) env-down; exit $$status
	$(MAKE) molecule

# The quick start: playbooks/site.yml, the whole chain, in podman systemd containers (the
# molecule scenario extensions/molecule/site; it prints the summary, then removes the containers).
demo: bootstrap
	@echo "[demo] playbooks/site.yml on two podman containers, about 10 minutes on 2 cores the first time:"
	@echo "[demo]   Debian 13 image and molecule (first time only, ~2 min), Pulp installed in the registry"
	@echo "[demo]   container (~4 min), mirrors, verification, signing and the pulls (~2 min; the summary"
	@echo "[demo]   ends this part), the same playbook again, which must change nothing (~2 min), cleanup."
	bash tests/molecule/run.sh site

# playbooks/demo.yml, the mirrors of the README's worked example, against the test services.
mirror-demo: bootstrap collection env-up
	PATH=$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) \
		ansible-playbook -i localhost, -c local -e ansible_python_interpreter=$(BIN)/python \
		playbooks/demo.yml -e @$(SR_ENV_DIR)/integration_config.yml

# Writes docs/benchmarks.md: the Pulp section first (it rewrites the page), then cosign, site.yml
# and the pulp_registry role.
bench: bootstrap collection env-up
	PATH=$(BIN):$$PATH $(BIN)/python tests/bench/bench_pulp.py
	PATH=$(BIN):$$PATH $(BIN)/python tests/bench/bench_cosign.py $(BENCH_ARGS)
	{ echo; cat $(BUILD)/bench-cosign.md; } >> docs/benchmarks.md
	PATH=$(BIN):$$PATH $(BIN)/python tests/bench/bench_keyless.py
	{ echo; cat $(BUILD)/bench-keyless.md; } >> docs/benchmarks.md
	PATH=$(BIN):$$PATH $(BIN)/python tests/bench/bench_audit.py $(AUDIT_BENCH_ARGS)
	{ echo; cat $(BUILD)/bench-audit.md; } >> docs/benchmarks.md
	$(BIN)/python tests/bench/bench_site.py
	{ echo; cat $(BUILD)/bench-site.md; } >> docs/benchmarks.md
	$(BIN)/python tests/bench/bench_pulp_registry.py
	{ echo; cat $(BUILD)/bench-pulp-registry.md; } >> docs/benchmarks.md

# Writes docs/bad-inputs.md from real module runs against the test services.
bad-inputs: bootstrap collection env-up
	$(BIN)/python tests/utils/bad_inputs.py

clean:
	rm -rf $(BUILD)
