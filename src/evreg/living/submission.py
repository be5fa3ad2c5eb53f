"""Read a filled-in add-study YAML into one studies row and its estimates rows.

Scalars stay strings exactly as written ("1.50" stays "1.50"); a key given twice, an unknown
field or a value on several lines is a clear error naming the YAML entry. Estimate ids left
empty are made from study, biomarker, outcome (and time point).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evreg.data.scope import SET_BY_ADD_STUDY
from evreg.data.template import (
    CANDIDATE_KEY,
    ESTIMATES_KEY,
    RISK_OF_BIAS_KEY,
    SET_FOR_RISK_OF_BIAS,
    STUDY_KEY,
)
from evreg.data.text import clip, one_line
from evreg.errors import EvregError

TOP_KEYS = (STUDY_KEY, ESTIMATES_KEY, CANDIDATE_KEY, RISK_OF_BIAS_KEY)


# Limits on a contributor's YAML: no anchors or aliases (a "billion laughs" expands a few
# lines into billions of nodes), nesting and node counts far above what the template needs.
MAX_YAML_DEPTH = 20
MAX_YAML_NODES = 20_000
MAX_SUBMISSION_BYTES = 1_000_000


def _yaml_loader() -> type:
    """A safe YAML loader that keeps every scalar as written ("1.50" stays "1.50"), refuses a
    key given twice in one mapping (PyYAML would silently keep the last), a key that is not a
    single value, anchors and aliases, and nesting or sizes beyond the limits above."""
    import yaml

    class RawLoader(yaml.SafeLoader):
        depth = 0
        nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            problem = _node_problem(event, self.depth, self.nodes)
            if problem:
                raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
            self.nodes += 1
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str):
                    problem = "a key must be a plain name, not a list or mapping"
                    raise yaml.constructor.ConstructorError(
                        None, None, problem, key_node.start_mark
                    )
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {clip(key)} given twice", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    for tag in ("bool", "int", "float", "timestamp"):
        RawLoader.add_constructor(
            f"tag:yaml.org,2002:{tag}", lambda loader, node: loader.construct_scalar(node)
        )
    return RawLoader


def _node_problem(event: Any, depth: int, nodes: int) -> str | None:
    """Why the YAML node starting with ``event`` is refused (anchor, alias, too deep, too many),
    or None."""
    import yaml

    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
        return "anchors and aliases (&name, *name) are not accepted; write each value out"
    if depth >= MAX_YAML_DEPTH:
        return f"nested deeper than {MAX_YAML_DEPTH} levels"
    if nodes >= MAX_YAML_NODES:
        return f"more than {MAX_YAML_NODES:,} values"
    return None


def parse_yaml(text: str, where: str, line_offset: int = 0, field: str = "") -> Any:
    """YAML text as plain data, every scalar a string as written; a clear one-line error
    naming ``where``, the line (``line_offset`` lines before the text in its file) and the
    column, or the ``field`` the text is the value of (``where:line:field``)."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1 + line_offset}" if mark is not None else ""
        col = f" (column {mark.column + 1})" if mark is not None and field else ""
        at += f":{field}" if field else (f":{mark.column + 1}" if mark is not None else "")
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EvregError(f"{where}{at}: not valid YAML: {one_line(problem)}{col}") from None
    except (RecursionError, MemoryError, TypeError, ValueError) as exc:  # parser limits
        at = f":{field}" if field else ""
        reason = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
        raise EvregError(f"{where}{at}: not valid YAML: {reason}") from None


def read_text(path: Path) -> str:
    """A contributor's file as text (UTF-8, a byte-order mark dropped); a clear error naming it
    when it is missing, unreadable or larger than MAX_SUBMISSION_BYTES."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SUBMISSION_BYTES + 1)
    except FileNotFoundError as exc:
        raise EvregError(f"{path}: no such file") from exc
    except OSError as exc:
        raise EvregError(f"{path}: cannot read: {one_line(exc.strerror or exc)}") from exc
    if len(data) > MAX_SUBMISSION_BYTES:
        raise EvregError(f"{path}: larger than {MAX_SUBMISSION_BYTES:,} bytes; not read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvregError(f"{path}: cannot read: not UTF-8 text (byte {exc.start})") from exc


def load_submission(path: Path) -> dict[str, Any]:
    """Parse a submission YAML into ``{"study": {...}, "estimates": [{...}, ...],
    "candidate": id or None}``. Scalars stay strings exactly as written; empty values None."""
    return submission_from(parse_yaml(read_text(path), str(path)), str(path))


def submission_from(doc: Any, where: str) -> dict[str, Any]:
    """Check the shape of a parsed submission (a mapping with study, estimates, candidate)."""
    if not isinstance(doc, dict):
        raise EvregError(f"{where}: expected a mapping with keys {STUDY_KEY!r}, {ESTIMATES_KEY!r}")
    extra = sorted(set(map(str, doc)) - set(TOP_KEYS))
    if extra:
        raise EvregError(
            f"{where}: unknown top-level key {clip(extra[0])} (expected {', '.join(TOP_KEYS)})"
        )
    study = doc.get(STUDY_KEY)
    if not isinstance(study, dict):
        raise EvregError(f"{where}: {STUDY_KEY}: expected a mapping of studies fields")
    estimates = doc.get(ESTIMATES_KEY) or []
    if not isinstance(estimates, list) or not all(isinstance(e, dict) for e in estimates):
        raise EvregError(f"{where}: {ESTIMATES_KEY}: expected a list of mappings")
    candidate = _cell(doc.get(CANDIDATE_KEY), f"{where}: {CANDIDATE_KEY}") or None
    rob = doc.get(RISK_OF_BIAS_KEY) or []
    if not isinstance(rob, list) or not all(isinstance(e, dict) for e in rob):
        raise EvregError(f"{where}: {RISK_OF_BIAS_KEY}: expected a list of mappings")
    return {
        STUDY_KEY: study,
        ESTIMATES_KEY: estimates,
        CANDIDATE_KEY: candidate,
        RISK_OF_BIAS_KEY: rob,
    }


def _cell(value: Any, where: str) -> str:
    """A YAML scalar as a CSV cell: None -> "", strings stripped, one line only."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise EvregError(f"{where}: expected a single value, not a {type(value).__name__}")
    text = str(value).strip()
    if "\n" in text or "\r" in text:
        raise EvregError(f"{where}: write the value on one line")
    return text


def submission_rows(
    submission: Mapping[str, Any],
    study_columns: Sequence[str],
    estimate_columns: Sequence[str],
    source: str,
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Turn a parsed submission into one studies row and its estimates rows (all strings).

    The study is an added study: ``in_review`` and ``added_in_version`` are evreg's to fill
    in, never the contributor's."""
    for key in SET_BY_ADD_STUDY:
        if submission[STUDY_KEY].get(key) not in (None, ""):
            raise EvregError(
                f"{source}: {STUDY_KEY}.{key}: set by evreg add-study (a study it adds is never "
                "one of the source review's); remove it"
            )
    study = _row(submission[STUDY_KEY], study_columns, f"{source}: {STUDY_KEY}")
    study_id = study.get("study_id", "")
    if not study_id:
        raise EvregError(f"{source}: {STUDY_KEY}.study_id: required (e.g. smith-2026)")
    estimates = []
    for i, entry in enumerate(submission[ESTIMATES_KEY]):
        where = f"{source}: {ESTIMATES_KEY}[{i + 1}]"
        given = entry.get("study_id")
        if given not in (None, "", study_id):
            raise EvregError(
                f"{where}.study_id: {clip(given)} differs from study.study_id {clip(study_id)}"
            )
        row = _row({**entry, "study_id": study_id}, estimate_columns, where)
        estimates.append(row)
    _fill_estimate_ids(estimates)
    return study, estimates


def risk_of_bias_rows(
    submission: Mapping[str, Any],
    columns: Sequence[str],
    study_id: str,
    version: str,
    source: str,
) -> list[dict[str, str]]:
    """The submission's QUIPS judgements as risk_of_bias rows of the added study, made on data
    version ``version`` (study_id and data_version are evreg's to fill in)."""
    rows = []
    for i, entry in enumerate(submission.get(RISK_OF_BIAS_KEY) or ()):
        where = f"{source}: {RISK_OF_BIAS_KEY}[{i + 1}]"
        for key in SET_FOR_RISK_OF_BIAS:
            if entry.get(key) not in (None, "", study_id if key == "study_id" else version):
                raise EvregError(f"{where}.{key}: set by evreg add-study; remove it")
        rows.append(_row({**entry, "study_id": study_id, "data_version": version}, columns, where))
    return rows


def _row(entry: Mapping[Any, Any], columns: Sequence[str], where: str) -> dict[str, str]:
    unknown = [str(k) for k in entry if str(k) not in columns]
    if unknown:
        name = clip(unknown[0], quoted=False)
        raise EvregError(f"{where}.{name}: unknown field (see `evreg add-study --template`)")
    return {c: _cell(entry.get(c), f"{where}.{c}") for c in columns}


def _fill_estimate_ids(rows: list[dict[str, str]]) -> None:
    """Give rows without estimate_id one like ``yao-2025-sii-pfs`` (+ time point, + -2...)."""
    if not rows or "estimate_id" not in rows[0]:
        return
    taken = {r["estimate_id"] for r in rows if r["estimate_id"]}
    for row in rows:
        if row["estimate_id"]:
            continue
        parts = [row.get("study_id", ""), row.get("biomarker", ""), row.get("outcome", "")]
        if row.get("timepoint") not in ("", "baseline", None):
            parts.append(row["timepoint"])
        base = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        row["estimate_id"] = candidate
        taken.add(candidate)
