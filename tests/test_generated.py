"""One source of truth: the generated files are current, and the peer (frictionless) agrees."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from validator import validate
from validator.cli.parser import cli_reference
from validator.maintenance.generate import stale_files
from validator.reading.model import CONTRACT_COLUMNS, load_model

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_current() -> None:
    assert stale_files(ROOT, {"docs/cli.md": cli_reference}) == [], "generated files are stale: run `tda generate`"


def test_stale_descriptor_is_detected(tmp_path: Path) -> None:
    for rel in ("datapackage.json", "schemas", "docs"):
        src = ROOT / rel
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, tmp_path / rel)
    schema = json.loads((tmp_path / "schemas/entities.schema.json").read_text())
    schema["properties"]["name"]["description"] = "Changed."
    (tmp_path / "schemas/entities.schema.json").write_text(json.dumps(schema))
    assert "datapackage.json" in stale_files(tmp_path)
    assert "docs/data-dictionary.md" in stale_files(tmp_path)


def test_package_is_valid() -> None:
    report = validate(ROOT, max_per_group=0)
    assert report.errors == 0, [f"{p.path}:{p.line}:{p.column} {p.code} {p.message}" for p in report.problems]


@pytest.mark.slow  # frictionless validate in a subprocess: 1 to 5 s
def test_frictionless_validates_the_package() -> None:
    exe = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(exe), "validate", "datapackage.json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_json_schemas_are_valid_2020_12() -> None:
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_schemas_keep_the_contract() -> None:
    model = load_model(ROOT / "schemas")
    for name, (prefix, columns) in CONTRACT_COLUMNS.items():
        table = model.tables[name]
        assert table.id_prefix == prefix
        assert [c for c in table.field_names if c in columns] == list(columns)


def test_vocabularies_are_documented() -> None:
    model = load_model(ROOT / "schemas")
    for table in model.tables.values():
        for f in table.fields:
            if f.enum:
                assert set(f.enum) == set(f.enum_descriptions), f"{table.name}.{f.name}"
                assert all(f.enum_descriptions.values())
    rel = model.relation_types()
    assert set(rel) == set(model.tables["relations"].field("type").enum)
    entity_types = set(model.tables["entities"].field("type").enum)
    for term, spec in rel.items():
        assert spec["inverse"] and spec["description"], term
        assert set(spec["subjectTypes"]) <= entity_types and set(spec["objectTypes"]) <= entity_types, term
