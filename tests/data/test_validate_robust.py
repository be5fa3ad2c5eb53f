"""Junk input: whatever the files contain, `evreg validate` names the file, exits non-zero,
prints no traceback and changes nothing. Includes a hypothesis property test that mutates the
CSVs (and descriptor/schemas) at random."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.breakage import read_rows, tree_digest, write_rows
from fixtures.validate_cases import assert_templated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evreg import cli
from evreg.data.package import PackageError, load_package
from evreg.data.validate import validate_package

MB = 1024 * 1024


def _write(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda pkg: (pkg / rel).write_bytes(data)


def _rewrite_csv(name: str, change: Callable[[list[list[str]]], list[list[str]]], **kw):
    def edit(pkg: Path) -> None:
        rows = change(read_rows(pkg, name))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n", **kw).writerows(rows)
        (pkg / "data" / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")

    return edit


def _prefix(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda pkg: (pkg / rel).write_bytes(data + (pkg / rel).read_bytes())


def _descriptor(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(pkg: Path) -> None:
        d = json.loads((pkg / "datapackage.json").read_text())
        change(d)
        (pkg / "datapackage.json").write_text(json.dumps(d))

    return edit


def _junk_text_20mb(pkg: Path) -> None:
    """A valid header, then 20 MB of comma-separated junk."""
    path = pkg / "data" / "estimates.csv"
    header = path.read_text().splitlines()[0]
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789,,,,. "
    line = "".join(rng.choice(alphabet) for _ in range(4096))
    lines = [line[i : i + 61] for i in range(0, 4096 - 61, 61)]
    body = "\n".join(lines)
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for _ in range(20 * MB // len(body) + 1):
            f.write(body + "\n")


def _set_resource(name: str, key: str, value: object) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        next(r for r in d["resources"] if r["name"] == name)[key] = value

    return change


EST = "data/estimates.csv"
# The estimates schema's columns (the expected messages follow the schema, not a count).
_FIELDS = [
    f["name"]
    for f in json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "estimates.json").read_text("utf-8")
    )["fields"]
]
# Each: (edit, the file named, the code of the finding).
JUNK: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "binary": (_write(EST, bytes(range(256)) * 64), EST, "binary-data"),
    "20 MB of random bytes": (
        _write(EST, random.Random(3).randbytes(20 * MB)),
        EST,
        "binary-data",
    ),
    "20 MB of junk text": (_junk_text_20mb, EST, "missing-cell"),
    "empty": (_write(EST, b""), EST, "file-empty"),
    "whitespace only": (_write(EST, b"\n\n  \n"), EST, "file-empty"),
    "semicolons": (
        _rewrite_csv("studies", lambda r: r, delimiter=";"),
        "data/studies.csv",
        "delimiter-not-comma",
    ),
    "tabs": (
        _rewrite_csv("studies", lambda r: r, delimiter="\t"),
        "data/studies.csv",
        "delimiter-not-comma",
    ),
    "BOM": (_prefix(EST, b"\xef\xbb\xbf"), EST, "byte-order-mark"),
    "UTF-16": (
        lambda pkg: (pkg / EST).write_bytes((pkg / EST).read_text().encode("utf-16")),
        EST,
        "byte-order-mark",
    ),
    "latin-1": (
        lambda pkg: (pkg / EST).write_bytes(
            (pkg / EST).read_bytes() + "Müller\n".encode("latin-1")
        ),
        EST,
        "not-utf8",
    ),
    "missing column": (
        _rewrite_csv("estimates", lambda rows: [r[:-1] for r in rows]),
        EST,
        "missing-column",
    ),
    "extra column": (
        _rewrite_csv("estimates", lambda rows: [[*r, "x"] for r in rows]),
        EST,
        "unexpected-column",
    ),
    "columns-out-of-order": (
        _rewrite_csv("estimates", lambda rows: [[r[1], r[0], *r[2:]] for r in rows]),
        EST,
        "columns-out-of-order",
    ),
    "duplicate column": (
        _rewrite_csv("estimates", lambda rows: [[*r[:-1], r[0]] for r in rows]),
        EST,
        "duplicate-column",
    ),
    "blank header line": (_prefix(EST, b"\n"), EST, "header-blank"),
    "bad quoting": (
        lambda pkg: (pkg / EST).write_text((pkg / EST).read_text() + 'a,"b"c\n'),
        EST,
        "csv-unreadable",
    ),
    "unclosed quote": (
        lambda pkg: (pkg / EST).write_text((pkg / EST).read_text() + 'a,"b\n'),
        EST,
        "csv-unreadable",
    ),
    "huge cell": (
        lambda pkg: (pkg / EST).write_text((pkg / EST).read_text() + "x" * 300_000 + "\n"),
        EST,
        "missing-cell",
    ),
    "CSV missing": (lambda pkg: (pkg / EST).unlink(), EST, "file-not-found"),
    "descriptor broken JSON": (
        _write("datapackage.json", b'{"name": "x",\n "resources": [\n'),
        "datapackage.json",
        "json-invalid",
    ),
    "descriptor a list": (
        _write("datapackage.json", b"[1, 2]"),
        "datapackage.json",
        "descriptor-not-object",
    ),
    "descriptor binary": (
        _write("datapackage.json", b"\xff\xd8\xff\xe0" * 100),
        "datapackage.json",
        "cannot-read",
    ),
    "descriptor deeply nested": (
        _write("datapackage.json", b"[" * 100_000),
        "datapackage.json",
        "json-too-deep",
    ),
    "descriptor empty": (_write("datapackage.json", b""), "datapackage.json", "json-invalid"),
    "resources not a list": (
        _descriptor(lambda d: d.update(resources="studies")),
        "datapackage.json",
        "resources-not-list",
    ),
    "resource missing": (
        _descriptor(lambda d: d["resources"].pop()),
        "datapackage.json",
        "resource-missing",
    ),
    "path outside the package": (
        _descriptor(_set_resource("studies", "path", "../../../etc/passwd")),
        "datapackage.json",
        "path-outside",
    ),
    "absolute path": (
        _descriptor(_set_resource("studies", "path", "/etc/passwd")),
        "datapackage.json",
        "path-outside",
    ),
    "path not a string": (
        _descriptor(_set_resource("studies", "path", 5)),
        "datapackage.json",
        "path-not-string",
    ),
    "symlink out of the package": (
        lambda pkg: ((pkg / EST).unlink(), (pkg / EST).symlink_to("/etc/hostname")),
        EST,
        "symbolic-link-inside",
    ),
    "schema broken JSON": (
        _write("schemas/studies.json", b'{"fields": ['),
        "schemas/studies.json",
        "json-invalid",
    ),
    "schema without fields": (
        _write("schemas/studies.json", b'{"fields": []}'),
        "schemas/studies.json",
        "schema-without-fields",
    ),
    "schema missing": (
        lambda pkg: (pkg / "schemas" / "studies.json").unlink(),
        "schemas/studies.json",
        "schema-not-found",
    ),
}


@pytest.mark.parametrize("name", list(JUNK))
def test_junk_is_reported_cleanly(name: str, package_copy: Path, capsys) -> None:
    edit, file, code = JUNK[name]
    edit(package_copy)
    before = tree_digest(package_copy)
    findings = validate_package(package_copy)
    assert_templated(findings)
    hits = [f for f in findings if f.code == code and f.file.endswith(file)]
    assert hits, "\n".join(f"{f.code} {f}" for f in findings)
    assert cli.main(["validate", str(package_copy)]) == 1
    out, err = capsys.readouterr()
    assert hits[0].message in out + err
    assert "Traceback" not in out + err and "internal error" not in err
    with pytest.raises(PackageError):
        load_package(package_copy)
    assert tree_digest(package_copy) == before


def test_windows_line_endings_are_valid(package_copy: Path) -> None:
    for path in (package_copy / "data").glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert [f for f in validate_package(package_copy) if f.severity == "error"] == []
    assert (
        len(load_package(package_copy).estimates) == len(read_rows(package_copy, "estimates")) - 1
    )


@pytest.mark.parametrize("name", ["20 MB of random bytes", "descriptor broken JSON", "BOM"])
def test_no_traceback_in_a_real_process(name: str, package_copy: Path) -> None:
    edit, file, code = JUNK[name]
    edit(package_copy)
    before = tree_digest(package_copy)
    descriptor = str(package_copy / "datapackage.json")
    proc = subprocess.run(
        [sys.executable, "-m", "evreg.cli", "validate", descriptor, "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert any(f["file"] == file and f["code"] == code for f in json.loads(proc.stdout))
    assert tree_digest(package_copy) == before


# ---------------------------------------------------------------- property test

FILES = (
    "data/studies.csv",
    "data/estimates.csv",
    "data/analyses.csv",
    "data/published_results.csv",
    "data/candidates.csv",
    "schemas/estimates.json",
    "datapackage.json",
)
payloads = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8")),
    st.sampled_from(
        [b",", b'"', b"\n", b"\r\n", b";", b"\x00", b"\xef\xbb\xbf", b"-1", b"nan", b"0"]
    ),
)
mutations = st.tuples(
    st.sampled_from(FILES),
    st.sampled_from(["insert", "overwrite", "delete", "cell"]),
    st.integers(min_value=0, max_value=1 << 20),
    st.integers(min_value=1, max_value=300),
    payloads,
    st.text(max_size=30),
)


def _mutate(pkg: Path, mutation: tuple) -> None:
    rel, kind, pos, span, payload, text = mutation
    if kind == "cell" and rel.endswith(".csv"):
        try:
            rows = read_rows(pkg, Path(rel).stem)
        except (UnicodeDecodeError, csv.Error):
            return  # an earlier mutation already broke the file
        row = rows[pos % len(rows)]
        if row:
            row[span % len(row)] = text
        write_rows(pkg, Path(rel).stem, rows)
        return
    path = pkg / rel
    data = path.read_bytes()
    at = pos % (len(data) + 1)
    if kind == "insert":
        data = data[:at] + payload + data[at:]
    elif kind == "overwrite":
        data = data[:at] + payload + data[at + len(payload) :]
    else:
        data = data[:at] + data[at + span :]
    path.write_bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(mutations, min_size=1, max_size=3))
def test_random_mutations_exit_cleanly(root: Path, muts: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "pkg"
        pkg.mkdir()
        shutil.copy2(root / "datapackage.json", pkg)
        shutil.copytree(root / "schemas", pkg / "schemas")
        shutil.copytree(root / "data", pkg / "data")
        for mutation in muts:
            _mutate(pkg, mutation)
        before = tree_digest(pkg)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["validate", str(pkg), "--format", "json"])
        assert code in (0, 1), err.getvalue()
        assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
        findings = json.loads(out.getvalue())
        has_errors = any(f["severity"] == "error" for f in findings)
        assert code == int(has_errors)
        for f in findings:
            assert f["file"] and f["message"] and "\n" not in f["message"]
        try:
            load_package(pkg)
        except PackageError:
            assert has_errors, "load_package failed on a package the validator passed"
        assert tree_digest(pkg) == before
