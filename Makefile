# Two commands matter on a fresh clone: `make report` and `make test`.
# Both create .venv once; the stamp file makes a second run install nothing unless the pins change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test install clean

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

test: $(STAMP) $(if $(NPM),$(NPM_STAMP))
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf _book _build figures _variables.yml _generated .cache
