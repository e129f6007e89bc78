# datatrail - quick start: `make demo` (scan a real app) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_APK := demo/app-uiautomator-androidx.apk

.PHONY: demo test bench venv clean serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# A real, MIT-licensed app shipped inside a PyPI sdist; both hashes are pinned.
$(DEMO_APK): | $(STAMP)
	bash tools/fetch-demo-apk.sh demo

demo: $(STAMP) $(DEMO_APK)
	$(PY) -m datatrail.cli scan $(DEMO_APK) --format json -o demo/report.json
	$(PY) -m datatrail.cli render demo/report.json --format html -o demo/report.html
	$(PY) -m datatrail.cli scan $(DEMO_APK)
	@echo "JSON report written to demo/report.json; offline HTML page to demo/report.html"

test: $(STAMP)
	$(PY) -m ruff check src tests
	$(PY) -m mypy src/datatrail
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

# The screening service on this machine: http://127.0.0.1:8750, SQLite store in ./datatrail-data.
serve: $(STAMP)
	$(PY) -m datatrail.cli serve

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) demo build *.egg-info
