"""The issue form's optional QUIPS section: judgements read as the add-study file's
risk_of_bias block; the untouched example block counts as no judgement; a non-list is a clear
error naming the section's line."""

from __future__ import annotations

import pytest
from fixtures.issue_body import ANSWERS, FORM, form_items, render_body

from evreg.errors import EvregError
from evreg.living.issue_form import load_form, parse_issue

JUDGED = (
    "- domain: study_attrition\n"
    "  outcome: PFS\n"
    "  judgement: low\n"
    "  support: 'Full text: no patient lost to follow-up (Table 1)'\n"
    "  assessed_by: A Contributor\n"
)


def _parsed(rob: str) -> dict:
    return parse_issue(render_body({**ANSWERS, "risk_of_bias": rob}), load_form(FORM), "issue")


def test_judgements_in_the_form_become_the_risk_of_bias_block() -> None:
    got = _parsed(JUDGED)["risk_of_bias"]
    assert got == [
        {
            "domain": "study_attrition",
            "outcome": "PFS",
            "judgement": "low",
            "support": "Full text: no patient lost to follow-up (Table 1)",
            "assessed_by": "A Contributor",
        }
    ]
    assert parse_issue(render_body(ANSWERS), load_form(FORM), "issue")["risk_of_bias"] == []


def test_the_untouched_example_block_is_no_judgement() -> None:
    example = next(i for i in form_items() if i["id"] == "risk_of_bias")["attributes"]["value"]
    assert _parsed(example)["risk_of_bias"] == []
    assert len(_parsed(example + JUDGED)["risk_of_bias"]) == 1


def test_a_section_that_is_not_a_list_is_a_clear_error() -> None:
    with pytest.raises(EvregError, match=r"issue:\d+:risk_of_bias: expected a list of judgements"):
        _parsed("judgement: low")
