# datatrail - quick start: `make demo` (scan a real app) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_APK := demo/Yosemite.apk

.PHONY: demo test bench venv clean serve fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# A real Apache-2.0 app shipped inside a PyPI sdist (NetEase's Yosemite, from airtest); both hashes are pinned.
$(DEMO_APK): | $(STAMP)
	bash tools/fetch-demo-apk.sh demo

demo: $(STAMP) $(DEMO_APK)
	$(PY) -m datatrail.cli scan $(DEMO_APK) --format json -o demo/report.json
	$(PY) -m datatrail.cli render demo/report.json --format html -o demo/report.html
	$(PY) -m datatrail.cli scan $(DEMO_APK)
	@echo
	@echo "The JSON report is demo/report.json; the offline page is $(CURDIR)/demo/report.html (open it in a browser)."
	@echo "Next: .venv/bin/datatrail scan YOUR.apk, or '. .venv/bin/activate' to put datatrail on your PATH."

test: $(STAMP)
	$(PY) -m ruff check src tests fuzz
	$(PY) -m mypy src/datatrail
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

# The screening service on this machine: http://127.0.0.1:8750, SQLite store in ./datatrail-data.
serve: $(STAMP)
	$(PY) -m datatrail.cli serve

# Coverage-guided fuzzing of every parser family (atheris); FUZZ_SECONDS per harness, crashes in fuzz/crashes/.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(PY) fuzz/run.py --seconds $(FUZZ_SECONDS)

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) demo build *.egg-info
