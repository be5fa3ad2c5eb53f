"""The site's downloads, made deterministic: the package byte for byte, its zip, the computed
results (``results.json``, ``results.csv`` and its Table Schema) and the zip of the built site.

Same data, same bytes: files are sorted, zip entries carry the data version's date
(``SOURCE_DATE_EPOCH``) and fixed permissions, and no clock time or absolute path is written.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from evreg.data.history import package_files as history_files
from evreg.data.package import Package, inside
from evreg.errors import EvregError
from evreg.review.plan import RegistryResults, results_rows, results_schema


def source_date_epoch(package: Package) -> int:
    """Seconds since 1970 of the data version date (``created``), for reproducible builds."""
    text = (package.created or "1980-01-01")[:10]
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise EvregError(
            f"datapackage.json:created: {text!r} is not an ISO date (YYYY-MM-DD)"
        ) from None
    return int(day.timestamp())


def package_files(package: Package) -> list[str]:
    """Package-relative paths of datapackage.json, every schema file and every CSV, sorted."""
    return history_files(package.descriptor)


def deterministic_zip(package: Package, prefix: str, root: Path, files: list[str]) -> bytes:
    """A zip of ``files`` (relative to ``root``) under ``prefix``/, in the given order, with
    fixed timestamps from the data version and fixed permissions: same files, same bytes."""
    epoch = max(source_date_epoch(package), 315532800)  # zip dates start in 1980
    stamp = datetime.fromtimestamp(epoch, UTC).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            entry = inside(Path("."), f"{prefix}/{rel}").as_posix()  # no zip-slip for readers
            info = zipfile.ZipInfo(entry, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (root / rel).read_bytes())
    return buf.getvalue()


def package_zip(package: Package, files: list[str]) -> bytes:
    """A deterministic zip of the package (fixed timestamps from the data version, sorted)."""
    prefix = str(package.descriptor.get("name") or "package")
    return deterministic_zip(package, prefix, package.root, files)


def site_zip_name(package: Package) -> str:
    """File name of the zip of the built site (under data/)."""
    return f"{package.descriptor.get('name') or 'package'}-{package.version_slug}-site.zip"


def write_site_zip(package: Package, site_dir: Path) -> Path:
    """Zip the built site (every file, sorted) into its data/ folder for offline reading:
    unzipped, its index.html opens in a browser from the file system."""
    dest = inside(site_dir / "data", site_zip_name(package))
    files = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    prefix = site_zip_name(package).removesuffix(".zip")
    payload = deterministic_zip(package, prefix, site_dir, files)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(payload)
    return dest


def results_csv(results: RegistryResults) -> str:
    """results.csv: the rows of :func:`results_rows` under results-schema.json's columns."""
    rows = results_rows(results)
    fields = [f["name"] for f in results_schema()["fields"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return out.getvalue()


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def results_json(package: Package, results: RegistryResults) -> bytes:
    """results.json: every analysis, and ``unreleased`` (null when the data are exactly the
    release ``version`` names; else since which release, as of which commit)."""
    unreleased = package.unreleased.to_dict() if package.unreleased else None
    payload = {**results.to_dict(), "unreleased": unreleased}
    text = json.dumps(payload, indent=1, sort_keys=True, allow_nan=False, ensure_ascii=False)
    return text.encode() + b"\n"


def write_data(
    package: Package, results: RegistryResults, docs: Path
) -> list[tuple[str, str, Path]]:
    """Copy the package byte for byte under docs/data/, add the zip and the results files."""
    files = package_files(package)
    out: list[tuple[str, str, Path]] = []
    for rel in files:
        dest = inside(docs / "data", rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package.root / rel, dest)
        what = (
            "package descriptor"
            if rel == "datapackage.json"
            else "Table Schema"
            if rel.endswith(".json")
            else "data (CSV, as validated)"
        )
        out.append((f"data/{rel}", what, dest))
    name = str(package.descriptor.get("name") or "package")
    extra = {
        f"{name}-{package.version_slug}.zip": (
            "the whole package (zip)",
            package_zip(package, files),
        ),
        "results.json": ("computed results, every analysis (JSON)", results_json(package, results)),
        "results.csv": (
            "pooled results, one row per analysis x studies (all, review) x level x model (CSV)",
            results_csv(results).encode(),
        ),
        "results-schema.json": (
            "Table Schema of results.csv",
            json.dumps(results_schema(), indent=2, sort_keys=True).encode() + b"\n",
        ),
    }
    for fname, (what, payload) in sorted(extra.items()):
        dest = inside(docs / "data", fname)
        dest.write_bytes(payload)
        out.append((f"data/{fname}", what, dest))
    return sorted(out)
