"""Regenerate src/datatrail/report/schema/report.schema.json from the report model.

    .venv/bin/python tools/gen_report_schema.py
"""

from __future__ import annotations

import json
from pathlib import Path

from datatrail.report.schema_gen import report_schema

OUT = Path(__file__).resolve().parents[1] / "src" / "datatrail" / "report" / "schema" / "report.schema.json"

if __name__ == "__main__":
    OUT.write_text(json.dumps(report_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
