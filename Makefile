# siliconfleet: every install step the project needs lives here (CI runs a fresh clone).
#   make demo   install everything, synthesize the embedded example fleet (fleet.yaml)
#   make test   install everything, run lint, the tests, the CDKTF-engine checks and the checkov gate
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
NODE_TOOLS := .tools/node_modules
BUILD  := build

.PHONY: install demo test unit test-cdktf security lint bench clean

install: $(VENV)/.installed $(NODE_TOOLS)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,cdktf]'
	@touch $@

# A supported Node for jsii (Node 20 is end-of-life) and the cdktn / cdktf CLIs, from npm.
$(NODE_TOOLS)/.installed: .tools/package.json
	cd .tools && npm install --no-audit --no-fund --loglevel=error
	@touch $@

# checkov pins boto3/botocore of its own: it lives in its own virtual environment.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	@touch $@

demo: install
	$(BIN)/siliconfleet synth

test: install $(CHECKOV_VENV)/.installed
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-cdktf
	$(MAKE) --no-print-directory security

unit: install
	$(BIN)/pytest

# The archived CDKTF engine: its tests, and a synth of the example fleet.
test-cdktf: install
	SILICONFLEET_ENGINE=cdktf $(BIN)/pytest -m cdktf -p no:cacheprovider
	SILICONFLEET_ENGINE=cdktf $(BIN)/siliconfleet synth --out $(BUILD)/cdktf-engine.out

# checkov over every synthesized example stack: 0 failed, 0 parsing errors, checks run per stack.
security: install $(CHECKOV_VENV)/.installed
	$(BIN)/python scripts/checkov_gate.py --checkov $(CHECKOV_VENV)/bin/checkov --work $(BUILD)/security fleet.yaml examples/*.yaml

lint: install
	$(BIN)/ruff check siliconfleet stacks tests bench scripts main.py

bench: install
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_preflight.py
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_size.py

clean:
	rm -rf $(BUILD) cdktf.out state .pytest_cache
