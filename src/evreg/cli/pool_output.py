"""`evreg pool`'s output: the report of :func:`evreg.review.pooling.analyse` as JSON (one line
per field, one line per study) or as a RevMan-style text summary. Printing is the command
stage's; the analysis stays in :mod:`evreg.review.pooling`.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from evreg.data.formats import (
    fmt_ci,
    fmt_heterogeneity,
    fmt_interval,
    fmt_level,
    fmt_p,
    fmt_pct,
    fmt_ratios,
    fmt_subgroup_differences,
    fmt_test,
    num,
)
from evreg.data.text import strip_control as safe
from evreg.review.pooling import StudyRows
from evreg.stats import i2_percent

# ---- JSON --------------------------------------------------------------------------------


def render_json(value: Any, depth: int = 0, encoder: json.JSONEncoder | None = None) -> str:
    """JSON with one line per field and one line per study or row: readable, and fast for
    100,000 studies (json.dumps(indent=...) falls back to the slow pure-Python encoder)."""
    enc = encoder or json.JSONEncoder(ensure_ascii=False, allow_nan=False)
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, StudyRows):
        return study_rows_json(value, pad)
    if isinstance(value, dict) and any(_nested(v) for v in value.values()):
        items = [
            f"{pad}{enc.encode(k)}: {render_json(v, depth + 1, enc)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict | str):
        return "[\n" + ",\n".join(pad + enc.encode(v) for v in value) + "\n" + end + "]"
    return enc.encode(value)


def _nested(value: Any) -> bool:
    return isinstance(value, StudyRows) or (isinstance(value, list | dict) and bool(value))


def study_rows_json(rows: StudyRows, pad: str) -> str:
    """The study rows as a JSON array, one object per line, in one C-level format call: numbers
    as %.12g where they all print as floats, else preformatted (1.0, null) per column."""
    n = len(rows.study)
    if n == 0:
        return "[]"
    numbers = [getattr(rows, name) for name in rows.NUMBERS]
    plain = all(_plain_floats(values) for values in numbers)
    fields = ", ".join(f'"{key}": {"%.12g" if plain else "%s"}' for key in rows.NUMBERS)
    row = '{"study": %s, ' + fields + ', "flipped": %s}'
    columns = [list(map(json.encoder.encode_basestring, rows.study))]
    columns += [v.tolist() if plain else _json_numbers(v) for v in numbers]
    columns.append(["true" if f else "false" for f in rows.flipped.tolist()])
    flat: list[Any] = [None] * (n * len(columns))
    for j, values in enumerate(columns):
        flat[j :: len(columns)] = values
    body = ((row + ",\n" + pad) * n) % tuple(flat)
    return "[\n" + pad + body[: -(2 + len(pad))] + "\n" + pad[:-2] + "]"


def _plain_floats(values: np.ndarray) -> bool:
    """All finite and none integral, so that %.12g prints each as a JSON float."""
    return bool(np.isfinite(values).all() and not (values == np.round(values)).any())


def _json_numbers(values: np.ndarray) -> list[str]:
    """JSON numbers to 12 significant digits, written as floats (1.0, not 1) and null where
    not finite."""
    out = (("%.12g\n" * values.size) % tuple(values.tolist())).split("\n")[:-1]
    finite = np.isfinite(values)
    for i in np.flatnonzero(finite & (values == np.round(values)) & (np.abs(values) < 1e12)):
        out[i] = repr(float(values[i]))
    for i in np.flatnonzero(~finite):
        out[i] = "null"
    return out


# ---- text (RevMan-style summary) ---------------------------------------------------------


def _study_lines(rows: StudyRows, width: int) -> list[str]:
    """One line per study: label, ratio [CI], weight (numbers formatted column-wise)."""
    names = rows.study if "".join(rows.study).isprintable() else list(map(safe, rows.study))
    est, lo, up = (fmt_ratios(getattr(rows, f)) for f in ("estimate", "ci_lower", "ci_upper"))
    weights = [f"{w:.1f}" for w in rows.weight.tolist()]
    return [
        f"{n[:width]:<{width}}  {f'{e} [{a}, {b}]':<24}{w + '%':>8}"
        for n, e, a, b, w in zip(names, est, lo, up, weights, strict=True)
    ]


def _block(res: dict[str, Any], pct: str, title: str, width: int) -> list[str]:
    head = f"{res['measure']} [{pct} CI]"
    lines = [f"{'Study':<{width}}  {head:<24}{'Weight':>8}"]
    lines += _study_lines(res["studies"], width)
    total = fmt_ci(res["estimate"], res["ci_lower"], res["ci_upper"])
    lines.append(f"{title[:width]:<{width}}  {total:<24}{'100.0%':>8}")
    if res["pi_lower"] is not None:
        interval = fmt_interval(res["pi_lower"], res["pi_upper"])
        lines.append(f"{'Prediction interval':<{width}}  {interval:<24}")
    tau2 = None if res["method"] == "FE" else res["tau2"]
    het = fmt_heterogeneity(res["Q"], res["Q_df"], res["Q_p"], res["I2"], tau2)
    lines.append(f"Heterogeneity: {het}")
    stat = "t" if res["test"] == "t" else "Z"
    lines.append(f"Test for overall effect: {fmt_test(stat, _stat(res), res['p'])}")
    return lines


def _subgroup_test(sg: dict[str, Any]) -> str:
    q, df = sg["Q_between"], sg["Q_between_df"]
    return fmt_subgroup_differences(q, df, sg["Q_between_p"], i2_percent(q, df))


def _stat(res: dict[str, Any]) -> float | None:
    if res["se"] in (None, 0) or res["log_estimate"] is None:
        return None
    return abs(res["log_estimate"] / res["se"])


def _sequence(out: dict[str, Any], key: str, width: int) -> list[str]:
    label = "omitted" if key == "leave_one_out" else "added"
    title = "Leave-one-out" if key == "leave_one_out" else "Cumulative"
    lines = ["", f"{title} ({label}):"]
    for r in out[key]:
        lines.append(
            f"  {safe(r[label])[:width]:<{width}}  "
            f"{fmt_ci(r['estimate'], r['ci_lower'], r['ci_upper']):<24}"
            f"{fmt_p(r['p']):<14} I\u00b2 = {fmt_pct(r['I2'])}"
        )
    return lines


def render_text(out: dict[str, Any], notes: list[str], level: float, path: str) -> str:
    """A readable RevMan-style summary of the report."""
    pct = fmt_level(level)
    longest = max(map(len, out["studies"].study), default=0)
    width = max(len(f"Subtotal ({pct} CI), k = {out['k']}"), min(longest, 40))
    model = "Fixed effect" if out["method"] == "FE" else "Random effects"
    test = ", HKSJ" if out["test"] == "t" else ""
    lines = [f"evreg pool {safe(path)}: {model}, method {out['method']}{test}, {pct} CI", ""]
    lines += _block(out, pct, f"Total ({pct} CI), k = {out['k']}", width)
    if "subgroups" in out:
        sg = out["subgroups"]
        for name, res in sg["groups"].items():
            lines += ["", f"Subgroup: {safe(name)}"]
            lines += _block(res, pct, f"Subtotal ({pct} CI), k = {res['k']}", width)
        lines += [
            "",
            "Test for subgroup differences: " + _subgroup_test(sg),
        ]
    for key in ("leave_one_out", "cumulative"):
        if key in out:
            lines += _sequence(out, key, width)
    if out["egger"] is not None:
        eg = out["egger"]
        lines += [
            "",
            f"Egger's test: bias = {num(eg['bias'], 3)}, t = {num(eg['t'])}, {fmt_p(eg['p'])}",
        ]
    lines += ["", "Notes:"] + [f"  - {safe(n)}" for n in notes]
    return "\n".join(lines) + "\n"
