"""Certainty checks: reviewers' judgements (certainty.csv) against the plan (a known analysis, a
judgement the domain can take; GRADE: Guyatt et al., J Clin Epidemiol 2011;64:383-94; rating
up: GRADE guidelines 9, J Clin Epidemiol 2011;64:1311-6), and the plan's imprecision thresholds
either side of 1 (GRADE guidelines 6, J Clin Epidemiol 2011;64:1283-93)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.validate.finding import Finding, Rows, quote, register, warning

TEMPLATES = register(
    {
        "judgement-not-for-domain": "{value} is not a judgement for {domain} (one of: {allowed})",
        "result-unknown": "{value} is not a published result of {analysis}",
        "certainty-judged-twice": (
            "{analysis} {domain} {result} is judged twice (first on line {first_line}): one row "
            "per analysis, domain and result"
        ),
        "threshold-wrong-side": "{value} must be {side}: a ratio where an association matters",
        # a reviewer's judgement against the estimates pooled now (evreg.review.certainty)
        "certainty-estimates-unrecorded": warning(
            "{analysis} {domain}: records no estimate_ids: whether it still applies cannot be "
            "checked"
        ),
        "certainty-stale": warning(
            "{analysis} {domain}: made on other studies (version {version}): not applied; now "
            "pooled: {pooled}; judge again"
        ),
    }
)

DOWNGRADE_DOMAINS = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
UPGRADE_DOMAINS = ("large_effect", "dose_response")
# Each domain's name as readers see it (reasons, summaries; schemas/certainty.json's enumLabels
# are tested against it: tests/test_one_home.py).
DOMAIN_LABELS = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
    "large_effect": "large effect",
    "dose_response": "dose-response gradient",
}
DOWNGRADE_JUDGEMENTS = ("not serious", "serious", "very serious", "not assessable")
# The judgements each domain can take, in the order the schema lists them.
JUDGEMENTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(DOWNGRADE_DOMAINS, DOWNGRADE_JUDGEMENTS),
    "large_effect": ("none", "large", "very large", "not assessable"),
    "dose_response": ("none", "present", "not assessable"),
}


def check_certainty(
    certainty: tuple[str, Rows], analyses: tuple[str, Rows], published: tuple[str, Rows]
) -> Iterator[Finding]:
    """analysis_id is an analysis, result_id (when given) one of its published results, the
    judgement fits the domain (not serious... for the five domains, none/large... for the two
    reasons to rate up), and one row per analysis, domain and result."""
    file, rows = certainty
    known = {row.get("analysis_id") for _, row in analyses[1]}
    results = {(row.get("analysis_id"), row.get("result_id")) for _, row in published[1]}
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        yield from _result_and_key(file, line, row, results, seen)
        analysis, domain = row.get("analysis_id", ""), row.get("domain", "")
        if analysis and analysis not in known:
            value = quote(analysis)
            yield Finding.coded(
                "unknown-analysis", file, line, "analysis_id", value=value, analyses=analyses[0]
            )
        allowed = JUDGEMENTS.get(domain)
        judgement = row.get("judgement", "")
        if allowed and judgement and judgement not in allowed:
            yield Finding.coded(
                "judgement-not-for-domain",
                file,
                line,
                "judgement",
                value=quote(judgement),
                domain=domain,
                allowed=", ".join(allowed),
            )


def _result_and_key(
    file: str,
    line: int,
    row: dict[str, str],
    results: set[tuple[str | None, str | None]],
    seen: dict[tuple[str, str, str], int],
) -> Iterator[Finding]:
    analysis, result = row.get("analysis_id", ""), row.get("result_id", "")
    if result and (analysis, result) not in results:
        value = quote(result)
        yield Finding.coded(
            "result-unknown", file, line, "result_id", value=value, analysis=analysis
        )
    key = (analysis, row.get("domain", ""), result)
    if key in seen:
        said = {"analysis": analysis, "domain": key[1], "result": result or ""}
        yield Finding.coded(
            "certainty-judged-twice", file, line, "domain", first_line=seen[key], **said
        )
    seen.setdefault(key, line)


THRESHOLDS = (("threshold_lower", "below 1 (and above 0)"), ("threshold_upper", "above 1"))


def _outside(field: str, value: float) -> bool:
    return not (0 < value < 1) if field == "threshold_lower" else not value > 1


def check_thresholds(analyses: tuple[str, Rows]) -> Iterator[Finding]:
    """The plan's important-ratio thresholds (optional columns) lie on their side of 1."""
    file, rows = analyses
    for line, row in rows:
        for field, side in THRESHOLDS:
            text = (row.get(field) or "").strip()
            try:
                value = float(text)
            except ValueError:
                continue  # empty, or not a number (the schema check says so)
            if _outside(field, value):
                yield Finding.coded(
                    "threshold-wrong-side", file, line, field, value=text, side=side
                )
