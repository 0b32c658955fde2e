# Two commands matter on a fresh clone: `make report` and `make test`.
# Both create .venv once; the stamp file makes a second run install nothing unless the pins change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test install clean fetch-data site check-updates

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/pcnreport build

# axe-core for the browser tests' accessibility check, from package-lock.json. `npm ci` runs only when
# node_modules is missing or the lock changed; without npm the axe test is skipped with the reason
# (a failure when PCNREPORT_REQUIRE_BROWSER=1, as in CI).
NPM       := $(shell command -v npm)
NPM_STAMP := node_modules/.installed

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

# Lint first: a finding fails the target before the (longer) tests run. Rules: [tool.ruff.lint] in pyproject.toml.
test: $(STAMP) $(if $(NPM),$(NPM_STAMP))
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# --- What the GitHub workflows run (.github/workflows/) ------------------------------------------------
# Thin wrappers of `pcnreport` commands, so that no workflow runs anything the tests do not:
# tests/unit/test_workflows.py runs `fetch-data` and `check-updates` against a local server and checks
# the command `site` runs against the command line's parser (the build itself is tested by tests/functional).
# DATA: the data folder (empty: the synthetic sample). PROJECT: the project folder (tests point it at a copy).
DATA    ?=
PROJECT ?= .

# Every release with a confirmed download address, verified against the catalogue's checksums; fails
# (exit 4) when a dataset the build needs cannot be downloaded, so a workflow stops before building.
fetch-data: $(STAMP)
	$(BIN)/pcnreport --project $(PROJECT) data fetch --all --require-all --data-dir $(or $(DATA),.cache/data)

# The report (website and PDF in _book/) from DATA. RELEASE, the label of the data release,
# COMPARE_WITH, the numbers.json of the published site a pull request's preview compares itself with, and
# SITE_URL, the live site's address (printed in the book's citation), are read from the environment by
# the shell and never pasted into the recipe, so no input can inject commands.
site: $(STAMP)
	$(BIN)/pcnreport --project $(PROJECT) build $(if $(DATA),--data-dir $(DATA)) $${RELEASE:+--release "$$RELEASE"} \
	  $${COMPARE_WITH:+--compare-with "$$COMPARE_WITH"} $${SITE_URL:+--site-url "$$SITE_URL"}

# Looks for publishers' releases newer than the catalogue names and adds them to data/catalogue.yaml.
# Exit 10 ("updates found") is success here: the publish workflow then opens a pull request for the change.
check-updates: $(STAMP)
	$(BIN)/pcnreport --project $(PROJECT) data check-updates --apply || test $$? -eq 10

clean:
	rm -rf _book _build figures _variables.yml _generated .cache .quarto
