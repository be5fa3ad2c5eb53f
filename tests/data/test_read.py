"""`evreg.data.read`: each resource as a pandas DataFrame typed from its Table Schema, the printed
text alongside; `evreg.data.read_results`; and `import evreg.data` staying cheap.

Small packages are written inside each test; the shipped package is checked against its own
schemas and CSV text (nothing about its content is pinned)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import evreg.data
from evreg.data.package import PackageError, load_package
from evreg.review.plan import results_schema

GRADES = ["low", "moderate", "high"]  # enum order on purpose not alphabetical
FIELDS = [
    {"name": "id", "type": "string", "constraints": {"required": True}},
    {"name": "n", "type": "integer"},
    {"name": "hr", "type": "number"},
    {"name": "flag", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
    {"name": "seen", "type": "date"},
    {"name": "at", "type": "datetime"},
    {"name": "grade", "type": "string", "constraints": {"enum": GRADES}},
    {"name": "note", "type": "string"},
]
ROWS = [
    ["a", "12", "5.80", "yes", "2024-02-29", "2026-01-02T03:04:05Z", "high", "x, quoted"],
    ["b", "", "", "", "", "", "", ""],
    ["c", "-3", "0.125", "no", "1999-12-31", "2026-07-01T01:59:59+02:00", "low", "é <b>"],
]
# The dtype each Table Schema type gives (an enum string gives an ordered categorical).
DTYPES = {
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
    "string": "string",
    "date": "datetime64[s]",
}


def write_package(
    root: Path, fields: list[dict], rows: list[list[str]], name: str = "things"
) -> Path:
    """A one-resource Frictionless package at ``root``; returns the descriptor path."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    (root / "schemas" / f"{name}.json").write_text(json.dumps({"fields": fields}), "utf-8")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[f["name"] for f in fields], *rows])
    (root / "data" / f"{name}.csv").write_text(out.getvalue(), "utf-8")
    descriptor = {
        "name": "test-package",
        "version": "2.1.0",
        "resources": [{"name": name, "path": f"data/{name}.csv", "schema": f"schemas/{name}.json"}],
    }
    path = root / "datapackage.json"
    path.write_text(json.dumps(descriptor), "utf-8")
    return path


@pytest.fixture
def frames(tmp_path: Path) -> evreg.data.PackageFrames:
    return evreg.data.read(write_package(tmp_path, FIELDS, ROWS))


def test_each_type_gets_its_dtype(frames) -> None:
    df = frames["things"]
    assert list(df.columns) == [f["name"] for f in FIELDS]
    assert str(df["n"].dtype) == "Int64"
    assert df["hr"].dtype == "float64"
    assert str(df["flag"].dtype) == "boolean"
    assert pd.api.types.is_datetime64_any_dtype(df["seen"])
    assert pd.api.types.is_datetime64_any_dtype(df["at"])
    assert isinstance(df["grade"].dtype, pd.CategoricalDtype)
    assert df["id"].dtype == pd.StringDtype() and df["note"].dtype == pd.StringDtype()


def test_values_cast_and_empty_cells_missing(frames) -> None:
    df = frames["things"]
    assert df["n"].tolist() == [12, pd.NA, -3]
    assert df["hr"].iloc[0] == 5.8 and df["hr"].iloc[2] == 0.125 and pd.isna(df["hr"].iloc[1])
    assert df["flag"].tolist() == [True, pd.NA, False]  # trueValues/falseValues honoured
    assert df["seen"].iloc[0] == pd.Timestamp("2024-02-29") and pd.isna(df["seen"].iloc[1])
    assert str(df["at"].dt.tz) == "UTC"  # "Z" and "+02:00": one column in UTC
    assert df["at"].iloc[2] == pd.Timestamp("2026-06-30T23:59:59", tz="UTC")
    assert df["note"].tolist() == ["x, quoted", pd.NA, "é <b>"]
    assert df.loc[1].drop("id").isna().all()


def test_enum_is_an_ordered_categorical_in_schema_order(frames) -> None:
    grade = frames["things"]["grade"]
    assert grade.cat.ordered
    assert list(grade.cat.categories) == GRADES
    assert grade.tolist()[0] == "high" and pd.isna(grade.iloc[1])
    assert (grade > "moderate").tolist() == [True, False, False]  # schema order, not alphabet
    assert grade.sort_values().dropna().tolist() == ["low", "high"]


def test_printed_text_alongside_with_the_same_shape(frames) -> None:
    typed, printed = frames.tables["things"], frames.printed["things"]
    assert printed.index.equals(typed.index) and list(printed.columns) == list(typed.columns)
    assert all(dtype == pd.StringDtype() for dtype in printed.dtypes)
    assert printed["hr"].iloc[0] == "5.80"  # the printed text keeps the trailing zero
    assert printed["flag"].tolist() == ["yes", pd.NA, "no"]
    assert printed.loc[0].tolist() == ROWS[0]
    assert printed.isna().equals(typed.isna())  # missing in one exactly where in the other


def test_package_metadata_lines_and_mapping(tmp_path: Path) -> None:
    path = write_package(tmp_path, FIELDS, ROWS)
    frames = evreg.data.read(tmp_path)  # the directory works as well as the descriptor
    assert (frames.name, frames.version) == ("test-package", "2.1.0")
    assert list(frames) == ["things"] and len(frames) == 1 and "things" in frames
    assert frames.lines["things"] == (2, 3, 4)  # header is line 1
    assert frames.schemas["things"]["fields"] == FIELDS
    assert evreg.data.read(path)["things"].equals(frames["things"])
    with pytest.raises(KeyError, match="things"):
        frames["nothing"]
    with pytest.raises(TypeError):
        frames.tables["other"] = frames["things"]  # read-only


def test_date_in_a_given_format(tmp_path: Path) -> None:
    fields = [{"name": "day", "type": "date", "format": "%d/%m/%Y"}]
    df = evreg.data.read(write_package(tmp_path, fields, [["29/02/2024"], [""]]))["things"]
    assert df["day"].iloc[0] == pd.Timestamp("2024-02-29") and pd.isna(df["day"].iloc[1])


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("n", "12.5", "data/things.csv:3:n: '12.5' is not a integer"),
        ("hr", "abc", "data/things.csv:3:hr: 'abc' is not a number"),
        ("flag", "true", "data/things.csv:3:flag: 'true' is not a boolean"),
        ("grade", "extreme", "data/things.csv:3:grade: 'extreme' is not one of: low, moderate"),
        ("seen", "2026-13-01", "data/things.csv:3:seen: '2026-13-01' is not a date"),
        ("at", "yesterday", "data/things.csv:3:at: 'yesterday' is not a datetime"),
    ],
)
def test_bad_cell_names_file_line_field(tmp_path: Path, column: str, value: str, message) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][[f["name"] for f in FIELDS].index(column)] = value
    with pytest.raises(PackageError) as caught:
        evreg.data.read(write_package(tmp_path, FIELDS, rows))
    assert str(caught.value).startswith(message)


def test_broken_file_gives_the_loaders_message(tmp_path: Path) -> None:
    path = write_package(tmp_path, FIELDS, ROWS)
    (tmp_path / "data" / "things.csv").write_text("id;n\na;1\n", "utf-8")
    with pytest.raises(PackageError, match=r"data/things.csv:1: uses ';' as delimiter"):
        evreg.data.read(path)
    with pytest.raises(PackageError, match="file not found"):
        evreg.data.read(tmp_path / "missing")
    descriptor = json.loads(write_package(tmp_path, FIELDS, ROWS).read_text("utf-8"))
    descriptor["resources"] *= 2
    path.write_text(json.dumps(descriptor), "utf-8")
    with pytest.raises(PackageError, match="datapackage.json:resources: resource 'things' appears"):
        evreg.data.read(path)


def test_shipped_package_typed_from_its_own_schemas(root: Path) -> None:
    """Every column of every resource has the dtype its schema field asks for, enums in schema
    order, values equal to the loader's typed rows; printed text is the CSV's text."""
    frames = evreg.data.read(root)
    package = load_package(root)
    descriptor = json.loads((root / "datapackage.json").read_text("utf-8"))
    assert list(frames) == [r["name"] for r in descriptor["resources"]]
    for resource in descriptor["resources"]:
        name = resource["name"]
        df, printed = frames[name], frames.printed[name]
        fields = json.loads((root / resource["schema"]).read_text("utf-8"))["fields"]
        assert list(df.columns) == [f["name"] for f in fields]
        for field in fields:
            column, enum = df[field["name"]], field.get("constraints", {}).get("enum")
            if enum is not None and field.get("type", "string") == "string":
                assert list(column.cat.categories) == enum and column.cat.ordered
            else:
                assert str(column.dtype) == DTYPES[field.get("type", "string")], field
        assert df.astype(object).where(df.notna(), None).to_dict("records") == list(
            package.tables[name]
        )
        with (root / resource["path"]).open(encoding="utf-8", newline="") as handle:
            text = [{k: v or None for k, v in row.items()} for row in csv.DictReader(handle)]
        assert printed.astype(object).where(printed.notna(), None).to_dict("records") == text
        assert printed.isna().equals(df.isna())
        assert frames.lines[name] == package.row_lines[name]


def test_read_results_of_a_built_site_layout(tmp_path: Path) -> None:
    """read_results finds data/results.csv in a site and types it by results-schema.json."""
    data = tmp_path / "site" / "data"
    data.mkdir(parents=True)
    schema = {
        "fields": [
            {"name": "analysis_id", "type": "string"},
            {"name": "primary", "type": "boolean"},
            {"name": "k", "type": "integer"},
            {"name": "estimate", "type": "number"},
        ],
        "missingValues": [""],
    }
    (data / "results-schema.json").write_text(json.dumps(schema), "utf-8")
    (data / "results.csv").write_text(
        "analysis_id,primary,k,estimate\na,true,3,1.25\nb,false,,\n", "utf-8"
    )
    for path in (tmp_path / "site", data, data / "results.csv"):
        df = evreg.data.read_results(path)
        assert [str(t) for t in df.dtypes] == ["string", "boolean", "Int64", "float64"]
        assert df["k"].tolist() == [3, pd.NA] and df["primary"].tolist() == [True, False]
    with pytest.raises(PackageError, match="results.csv: file not found"):
        evreg.data.read_results(tmp_path)


def test_importing_evreg_data_loads_neither_pandas_nor_frictionless() -> None:
    code = (
        "import sys, evreg.data, evreg.review\n"
        "evreg.data.load_package, evreg.data.validate_package\n"
        "print(','.join(m for m in ('pandas', 'frictionless') if m in sys.modules))\n"
        "evreg.data.read\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]  # nothing before first use; then read brings pandas


def test_readme_python_api_example_runs(root: Path, monkeypatch) -> None:
    """The README's five-line example runs on the shipped package and does what it says."""
    text = (root / "README.md").read_text(encoding="utf-8")
    code = text.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    monkeypatch.chdir(root)
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    extracted, as_printed = names["extracted"], names["as_printed"]
    assert (extracted["status"] == "extracted").all() and extracted["hr"].dtype == "float64"
    assert as_printed.index.equals(extracted.index)
    assert list(names["results"].columns) == [f["name"] for f in results_schema()["fields"]]
