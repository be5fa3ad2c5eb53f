"""One rule, one place: the schemas' enumerations agree with the constants the code uses, and
the copies that used to exist are gone (each value is read from its one home)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evreg import stats
from evreg.data.validate.certainty import DOWNGRADE_DOMAINS, JUDGEMENTS, UPGRADE_DOMAINS
from evreg.review import selection
from evreg.review.results import LEVEL_MEANINGS, LEVELS, RESULT_FIELDS

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def _enum(resource: str, name: str) -> list[str]:
    schema = json.loads((SCHEMAS / f"{resource}.json").read_text(encoding="utf-8"))
    (field,) = [f for f in schema["fields"] if f["name"] == name]
    return field["constraints"]["enum"]


def test_comparisons_are_the_schemas() -> None:
    assert set(stats.AS_PRINTED) | set(stats.FLIPPED) | {"unknown"} == set(
        _enum("estimates", "comparison")
    )
    assert not set(stats.AS_PRINTED) & set(stats.FLIPPED)


@pytest.mark.parametrize("comparison", _enum("estimates", "comparison"))
def test_harmonise_flips_exactly_the_flipped_comparisons(comparison: str) -> None:
    (ratio,), (lower,), (upper,) = stats.harmonise(2.0, 1.0, 4.0, comparison)
    flipped = comparison in ("low_vs_high", "decrease_vs_increase")
    assert (ratio, lower, upper) == ((0.5, 0.25, 1.0) if flipped else (2.0, 1.0, 4.0))


def test_tau2_methods_are_the_schemas_and_the_commands() -> None:
    from evreg.cli import pool

    assert ["FE", *_enum("analyses", "random_method")] == list(stats.METHODS)
    assert pool.METHODS is stats.METHODS  # evreg pool offers the engine's list, no copy


def test_model_and_cohort_orders_cover_the_schemas() -> None:
    assert set(selection.MODEL_PREFERENCE_DEFAULT) == set(_enum("estimates", "model"))
    assert set(selection.COHORT_PREFERENCE) == set(_enum("estimates", "cohort"))


def test_certainty_domains_and_judgements_are_the_schemas() -> None:
    assert [*DOWNGRADE_DOMAINS, *UPGRADE_DOMAINS] == _enum("certainty", "domain")
    judged = {j for values in JUDGEMENTS.values() for j in values}
    assert judged == set(_enum("certainty", "judgement"))
    columns = [name for name, _, _ in RESULT_FIELDS]
    assert all(d in columns for d in DOWNGRADE_DOMAINS)


def test_certainty_domain_names_are_the_schemas_labels() -> None:
    from evreg.data.validate.certainty import DOMAIN_LABELS

    schema = json.loads((SCHEMAS / "certainty.json").read_text(encoding="utf-8"))
    (field,) = [f for f in schema["fields"] if f["name"] == "domain"]
    assert field["enumLabels"] == DOMAIN_LABELS


def test_levels_have_one_meaning_each() -> None:
    from evreg.review.certainty import LEVEL_RULE
    from evreg.review.certainty.model import LEVELS as RATED

    assert LEVELS == ("very low", "low", "moderate", "high") and RATED is LEVELS
    assert set(LEVEL_MEANINGS) == set(LEVELS)
    assert all(LEVEL_MEANINGS[level] in LEVEL_RULE.rule for level in LEVELS)


def test_outcome_labels_come_from_the_schemas() -> None:
    for resource in ("analyses", "estimates"):
        schema = json.loads((SCHEMAS / f"{resource}.json").read_text(encoding="utf-8"))
        (field,) = [f for f in schema["fields"] if f["name"] == "outcome"]
        assert set(field["enumLabels"]) == set(field["constraints"]["enum"])


def test_quips_domain_names_are_the_schemas_labels() -> None:
    from evreg.review.certainty.quips import QUIPS_DOMAINS

    schema = json.loads((SCHEMAS / "risk_of_bias.json").read_text(encoding="utf-8"))
    (field,) = [f for f in schema["fields"] if f["name"] == "domain"]
    assert field["constraints"]["enum"] == list(QUIPS_DOMAINS)
    assert field["enumLabels"] == QUIPS_DOMAINS


def test_a_ci_printed_without_its_level_is_read_as_the_schema_says() -> None:
    from evreg.data.effects import PRINTED_CI_LEVEL, printed_level
    from evreg.data.template import DEFAULT_CI_LEVEL

    schema = json.loads((SCHEMAS / "estimates.json").read_text(encoding="utf-8"))
    (field,) = [f for f in schema["fields"] if f["name"] == "ci_level"]
    (stated,) = re.findall(r"empty is read as ([0-9.]+[0-9])", field["description"])
    assert float(stated) == PRINTED_CI_LEVEL
    assert printed_level({"ci_level": ""}) == PRINTED_CI_LEVEL == float(DEFAULT_CI_LEVEL)
    assert printed_level({"ci_level": 0.9}) == 0.9
