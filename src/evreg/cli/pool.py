"""`evreg pool FILE.csv`: meta-analyse any table of hazard (or other) ratios.

Example::

    evreg pool studies.csv --method REML --hksj --leave-one-out --format json

The CSV has a ``study`` column and either ``log_hr`` + ``se`` or ``hr`` + ``ci_lower`` +
``ci_upper`` (optional ``ci_level``, default 0.95; 95 also accepted). Parsed with the csv module
and kept free of pandas/frictionless so the command starts quickly.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evreg.errors import EvregError

METHODS = ("FE", "DL", "REML", "PM", "ML", "SJ", "HE", "EB")
TOP_FIELDS = (
    "k",
    "method",
    "hksj",
    "estimate",
    "ci_lower",
    "ci_upper",
    "log_estimate",
    "se",
    "p",
    "tau2",
    "I2",
    "H2",
    "Q",
    "Q_df",
    "Q_p",
    "pi_lower",
    "pi_upper",
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `evreg pool`."""
    parser.description = (
        "Meta-analyse a CSV of ratios: columns study and either log_hr + se or "
        "hr + ci_lower + ci_upper (optional ci_level). Example: "
        "evreg pool studies.csv --method REML --hksj --format json"
    )
    parser.add_argument("file", metavar="FILE.csv", help="CSV file, one row per study")
    parser.add_argument(
        "--method",
        default="DL",
        type=str.upper,
        choices=METHODS,
        help="FE (fixed effect) or the random-effects tau2 estimator (default DL, as RevMan)",
    )
    parser.add_argument(
        "--hksj",
        action="store_true",
        help="Hartung-Knapp-Sidik-Jonkman CI and test (t, k-1 df, untruncated)",
    )
    parser.add_argument(
        "--hksj-adhoc",
        action="store_true",
        help="HKSJ with the ad hoc truncation (never narrower than Wald)",
    )
    parser.add_argument(
        "--level",
        type=float,
        default=0.95,
        help="confidence level for CIs and the prediction interval (0.95)",
    )
    parser.add_argument(
        "--subgroup",
        metavar="COLUMN",
        help="pool each level of COLUMN and test for subgroup differences",
    )
    parser.add_argument(
        "--common-tau2",
        action="store_true",
        help="with --subgroup: one tau2 across levels (default: separate)",
    )
    parser.add_argument(
        "--leave-one-out", action="store_true", help="re-run the analysis with each study omitted"
    )
    parser.add_argument(
        "--cumulative",
        metavar="COLUMN",
        help="cumulative meta-analysis, studies added in order of COLUMN",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (RevMan-style summary, default) or json",
    )


@dataclass(frozen=True)
class Table:
    """The parsed CSV: labels, log ratios, SEs (numpy arrays), the text of every column."""

    path: str
    studies: tuple[str, ...]
    log_hr: Any
    se: Any
    columns: dict[str, list[str]]
    lines: tuple[int, ...]

    def fail(self, i: int, field: str, message: str) -> EvregError:
        """Error naming file, line (of data row i) and field."""
        return EvregError(f"{self.path}:{self.lines[i]}:{field}: {message}")


def _read_rows(path: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, stripped data rows (blank lines skipped) and their line numbers."""
    p = Path(path)
    if p.is_dir():
        raise EvregError(f"{path}: is a directory, not a CSV file")
    if not p.is_file():
        raise EvregError(f"{path}: no such file")
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise EvregError(f"{path}: empty file (expected a header row)")
            names = [h.strip() for h in header]
            for raw in reader:
                if len(raw) != len(names):
                    if not any(cell.strip() for cell in raw):
                        continue
                    raise EvregError(
                        f"{path}:{reader.line_num}: {len(raw)} fields, header has {len(names)}"
                    )
                rows.append([c.strip() for c in raw])
                lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise EvregError(f"{path}: not a UTF-8 text CSV file") from None
    except csv.Error as exc:
        raise EvregError(f"{path}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise EvregError(f"{path}: cannot read ({exc.strerror})") from None
    keep = [i for i, row in enumerate(rows) if any(row)]
    return names, [rows[i] for i in keep], [lines[i] for i in keep]


def _floats(table: Table, field: str, default: float | None = None) -> Any:
    """A column as a float array; empty cells take ``default`` or are an error."""
    import numpy as np

    text = table.columns[field]
    try:
        values = [default if (t == "" and default is not None) else float(t) for t in text]
    except ValueError:
        i = next(i for i, t in enumerate(text) if not _is_float(t, default is not None))
        if text[i] == "":
            raise table.fail(i, field, "empty; a value is required") from None
        raise table.fail(i, field, f"{text[i]!r} is not a number") from None
    arr = np.array(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise table.fail(int(bad[0]), field, f"{text[bad[0]]!r} is not a finite number")
    return arr


def _is_float(text: str, empty_ok: bool) -> bool:
    if text == "":
        return empty_ok
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check(table: Table, failing: Any, field: str, message: Any) -> None:
    """Raise for the first row where the boolean array ``failing`` is true."""
    import numpy as np

    bad = np.flatnonzero(failing)
    if bad.size:
        raise table.fail(int(bad[0]), field, message(int(bad[0])))


def _effects(table: Table, log_form: bool) -> tuple[Any, Any]:
    """(log ratio, SE) arrays; SE from the CI as Cochrane Handbook 6.3.2."""
    import numpy as np

    from evreg.stats.dist import norm_ppf

    if log_form:
        y, se = _floats(table, "log_hr"), _floats(table, "se")
        _check(table, se <= 0, "se", lambda i: f"{se[i]:g} must be positive")
        return y, se
    hr, lo, up = (_floats(table, f) for f in ("hr", "ci_lower", "ci_upper"))
    for field, arr in (("hr", hr), ("ci_lower", lo), ("ci_upper", up)):
        _check(table, arr <= 0, field, lambda i, a=arr: f"{a[i]:g} must be positive (a ratio)")
    _check(table, lo >= up, "ci_lower", lambda i: f"{lo[i]:g} is not below ci_upper {up[i]:g}")
    _check(
        table,
        (hr < lo) | (hr > up),
        "hr",
        lambda i: f"{hr[i]:g} is outside its CI {lo[i]:g} to {up[i]:g}",
    )
    level = np.full(hr.size, 0.95)
    if "ci_level" in table.columns:
        raw = _floats(table, "ci_level", default=0.95)
        level = np.where((raw > 1.0) & (raw < 100.0), raw / 100.0, raw)
        _check(
            table,
            (level <= 0) | (level >= 1),
            "ci_level",
            lambda i: f"{table.columns['ci_level'][i]!r} must be between 0 and 1 (or 0-100 %)",
        )
    z = norm_ppf(0.5 + level / 2.0)
    return np.log(hr), (np.log(up) - np.log(lo)) / (2.0 * z)


def read_table(path: str, extra_columns: Sequence[str] = ()) -> Table:
    """Parse and check the CSV; errors name file, line and field."""
    names, rows, lines = _read_rows(path)
    if "study" not in names:
        raise EvregError(f"{path}: missing column 'study'")
    log_form = "log_hr" in names and "se" in names
    if not log_form and not {"hr", "ci_lower", "ci_upper"} <= set(names):
        raise EvregError(
            f"{path}: needs columns log_hr + se, or hr + ci_lower + ci_upper "
            f"(found: {', '.join(names)})"
        )
    for col in extra_columns:
        if col not in names:
            raise EvregError(f"{path}: no column {col!r} (found: {', '.join(names)})")
    if not rows:
        raise EvregError(f"{path}: no study rows")
    columns = {name: [row[j] for row in rows] for j, name in enumerate(names)}
    table = Table(path, tuple(columns["study"]), None, None, columns, tuple(lines))
    for col in ("study", *extra_columns):
        empty = [i for i, t in enumerate(columns[col]) if t == ""]
        if empty:
            raise table.fail(empty[0], col, "empty; a value is required")
    y, se = _effects(table, log_form)
    return Table(path, table.studies, y, se, columns, table.lines)


def _summary(res: Any) -> dict[str, Any]:
    out = {f: getattr(res, f) for f in TOP_FIELDS}
    out["hksj"] = bool(res.hksj)
    return out


def _studies(table: Table, idx: Any, res: Any, level: float) -> list[dict[str, Any]]:
    """Per-study rows: ratio and CI recomputed from log ratio and SE, weight in percent."""
    import numpy as np

    from evreg.stats.dist import norm_ppf

    z = float(norm_ppf(0.5 + level / 2.0))
    idx = np.asarray(idx, dtype=int)
    y, se = table.log_hr[idx], table.se[idx]
    with np.errstate(over="ignore"):
        cols = [np.exp(y), np.exp(y - z * se), np.exp(y + z * se)]
    est, lo, up = ([None if math.isinf(x) else x for x in c.tolist()] for c in cols)
    return [
        {"study": table.studies[i], "estimate": e, "ci_lower": a, "ci_upper": b, "weight": w}
        for i, e, a, b, w in zip(idx.tolist(), est, lo, up, res.weights, strict=True)
    ]


def _sort_key(values: Sequence[str]) -> list[Any]:
    try:
        return [float(v) for v in values]
    except ValueError:
        return list(values)


def analyse(table: Table, args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """Run the requested analyses: the JSON-shaped dict (ratio scale, I2 in %) and the notes
    stating every choice (printed by the text format)."""
    from evreg import stats

    opts = {"hksj": args.hksj, "hksj_adhoc": args.hksj_adhoc, "level": args.level}
    res = stats.pool(table.log_hr, table.se, args.method, **opts)
    out = _summary(res)
    out["studies"] = _studies(table, range(len(table.studies)), res, args.level)
    notes = list(res.notes)
    if res.tau2_ci_lower is not None:
        notes.append(
            f"tau2 = {res.tau2:.4g}, {100 * args.level:g}% Q-profile CI "
            f"{res.tau2_ci_lower:.4g} to {res.tau2_ci_upper:.4g}; tau2-based I2 = "
            f"{res.I2_tau:.1f}%"
        )
    notes.append(
        "study CIs: recomputed from log ratio and SE at the analysis level "
        "(as RevMan's generic inverse variance)"
    )
    if args.leave_one_out:
        loo = stats.leave_one_out(table.log_hr, table.se, args.method, labels=table.studies, **opts)
        out["leave_one_out"] = [
            {
                "omitted": r.omitted,
                "estimate": r.estimate,
                "ci_lower": r.ci_lower,
                "ci_upper": r.ci_upper,
                "p": r.p,
                "I2": r.I2,
            }
            for r in loo.rows
        ]
    if args.cumulative:
        cum = stats.cumulative(
            table.log_hr,
            table.se,
            args.method,
            table.studies,
            order=_sort_key(table.columns[args.cumulative]),
            **opts,
        )
        out["cumulative"] = [
            {
                "added": r.added,
                "k": r.k,
                "estimate": r.estimate,
                "ci_lower": r.ci_lower,
                "ci_upper": r.ci_upper,
                "p": r.p,
                "I2": r.I2,
            }
            for r in cum.rows
        ]
    if args.subgroup:
        out["subgroups"] = _subgroups(table, args, opts)
    eg = stats.egger(table.log_hr, table.se)
    out["egger"] = {"bias": eg.bias, "t": eg.t, "p": eg.p} if eg.available else None
    if not eg.available:
        notes.append(f"Egger's test: {eg.reason}")
    return out, notes


def _subgroups(table: Table, args: argparse.Namespace, opts: dict[str, Any]) -> dict[str, Any]:
    from evreg import stats

    labels = table.columns[args.subgroup]
    if args.common_tau2 and (args.hksj or args.hksj_adhoc):
        raise EvregError("--common-tau2 cannot be combined with --hksj")
    sg = stats.subgroups(
        table.log_hr, table.se, labels, args.method, common_tau2=args.common_tau2, **opts
    )
    groups = {}
    for level, res in sg.groups.items():
        idx = [i for i, lab in enumerate(labels) if lab == level]
        entry = _summary(res)
        entry["studies"] = _studies(table, idx, res, args.level)
        groups[level] = entry
    return {
        "groups": groups,
        "Q_between": sg.Q_between,
        "Q_between_df": sg.Q_between_df,
        "Q_between_p": sg.Q_between_p,
    }


def run(args: argparse.Namespace) -> int:
    """Read, pool and print; user errors raise EvregError (exit 1)."""
    if not 0.0 < args.level < 1.0:
        raise EvregError(f"--level {args.level:g} must be between 0 and 1 (e.g. 0.95)")
    extra = [c for c in (args.subgroup, args.cumulative) if c]
    table = read_table(args.file, extra)
    try:
        out, notes = analyse(table, args)
    except ValueError as exc:
        raise EvregError(f"{args.file}: {exc}") from None
    if args.format == "json":
        sys.stdout.write(dump_json(out) + "\n")
    else:
        sys.stdout.write(render_text(out, notes, args, table.path))
    return 0


def dump_json(value: Any, depth: int = 0, encoder: json.JSONEncoder | None = None) -> str:
    """JSON with one line per field and one line per study/row: readable, and fast for
    100,000 studies (json.dumps(indent=...) falls back to the slow pure-Python encoder)."""
    enc = encoder or json.JSONEncoder(ensure_ascii=False, allow_nan=False)
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict) and any(isinstance(v, list | dict) and v for v in value.values()):
        items = [f"{pad}{enc.encode(k)}: {dump_json(v, depth + 1, enc)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(pad + enc.encode(v) for v in value) + "\n" + end + "]"
    return enc.encode(value)


# ---- text output (RevMan-style summary) ----


def _safe(text: str) -> str:
    """Contributor text without control characters (no terminal escape sequences)."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def _f(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    """RevMan style: "P = 0.04", "P < 0.0001"."""
    if p is None:
        return "P n/a"
    return "P < 0.0001" if p < 0.0001 else f"P = {p:.4f}".rstrip("0").rstrip(".")


def _ci(est: float | None, lo: float | None, up: float | None) -> str:
    return f"{_f(est)} [{_f(lo)}, {_f(up)}]"


def _block(res: dict[str, Any], pct: str, title: str, width: int) -> list[str]:
    lines = [f"{'Study':<{width}}  {'HR [' + pct + ' CI]':<24}{'Weight':>8}"]
    for s in res["studies"]:
        lines.append(
            f"{_safe(s['study'])[:width]:<{width}}  "
            f"{_ci(s['estimate'], s['ci_lower'], s['ci_upper']):<24}"
            f"{_f(s['weight'], 1) + '%':>8}"
        )
    total = _ci(res["estimate"], res["ci_lower"], res["ci_upper"])
    lines.append(f"{title[:width]:<{width}}  {total:<24}{'100.0%':>8}")
    if res["pi_lower"] is not None:
        lines.append(
            f"{'Prediction interval':<{width}}  "
            f"{'[' + _f(res['pi_lower']) + ', ' + _f(res['pi_upper']) + ']':<24}"
        )
    i2 = "n/a" if res["I2"] is None else f"{res['I2']:.0f}%"
    tau = "" if res["method"] == "FE" else f"Tau\u00b2 = {res['tau2']:.4f}; "
    lines.append(
        f"Heterogeneity: {tau}Chi\u00b2 = {res['Q']:.2f}, "
        f"df = {res['Q_df']} ({_p(res['Q_p'])}); I\u00b2 = {i2}"
    )
    stat = "t" if res["hksj"] else "Z"
    lines.append(f"Test for overall effect: {stat} = {_f(_stat(res), 2)} ({_p(res['p'])})")
    return lines


def _stat(res: dict[str, Any]) -> float | None:
    if res["se"] in (None, 0) or res["log_estimate"] is None:
        return None
    return abs(res["log_estimate"] / res["se"])


def render_text(out: dict[str, Any], notes: list[str], args: argparse.Namespace, path: str) -> str:
    """A readable RevMan-style summary of the JSON-shaped result."""
    pct = f"{100 * args.level:g}%"
    width = max(
        [
            len(f"Subtotal ({pct} CI), k = {out['k']}"),
            *(min(len(_safe(s)), 40) for s in (st["study"] for st in out["studies"])),
        ]
    )
    model = "Fixed effect" if out["method"] == "FE" else "Random effects"
    lines = [
        f"evreg pool {_safe(path)}: {model}, method {out['method']}"
        f"{', HKSJ' if out['hksj'] else ''}, {pct} CI",
        "",
    ]
    lines += _block(out, pct, f"Total ({pct} CI), k = {out['k']}", width)
    if "subgroups" in out:
        sg = out["subgroups"]
        for level, res in sg["groups"].items():
            lines += ["", f"Subgroup: {_safe(level)}"]
            lines += _block(res, pct, f"Subtotal ({pct} CI), k = {res['k']}", width)
        lines += [
            "",
            f"Test for subgroup differences: Chi\u00b2 = {_f(sg['Q_between'])}, "
            f"df = {sg['Q_between_df']} ({_p(sg['Q_between_p'])})",
        ]
    for key, label in (("leave_one_out", "omitted"), ("cumulative", "added")):
        if key in out:
            lines += [
                "",
                f"{'Leave-one-out' if key == 'leave_one_out' else 'Cumulative'} ({label}):",
            ]
            for r in out[key]:
                i2 = "n/a" if r["I2"] is None else f"{r['I2']:.0f}%"
                lines.append(
                    f"  {_safe(r[label])[:width]:<{width}}  "
                    f"{_ci(r['estimate'], r['ci_lower'], r['ci_upper']):<24}"
                    f"{_p(r['p']):<12} I\u00b2 = {i2}"
                )
    if out["egger"] is not None:
        eg = out["egger"]
        lines += [
            "",
            f"Egger's test: bias = {_f(eg['bias'], 3)}, t = {_f(eg['t'], 2)}, {_p(eg['p'])}",
        ]
    lines += ["", "Notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines) + "\n"
