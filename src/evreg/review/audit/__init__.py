"""Audit of the source review: reproduction from the registry, consistency of its printed numbers.

Every printed number stands for the interval of values that round to it (1.28 means
[1.275, 1.285); "< 0.001" means [0, 0.001)). A check derives, by interval arithmetic, the set of
values one printed number can take given the others, and reports a finding only when the printed
value lies outside that set. Formula sources are cited on each function.

Modules: :mod:`.printed` (printed numbers as intervals, interval arithmetic), :mod:`.findings`
(AuditFinding, the catalogue of checks, the text report), :mod:`.rows` (helpers the checks
share), the checks :mod:`.consistency`, :mod:`.subgroups`, :mod:`.study_table` and
:mod:`.two_study`, :mod:`.reproduction` (the published results recomputed), :mod:`.run`
(``audit_package``); the site renders the Audit page from these results (evreg.site.views.audit).

Public API: ``parse_printed``, ``p_interval_from_ci``, ``q_p_interval_from_i2``,
``rule_from_printed``, the row checks ``check_*``, ``reproduce`` and ``audit_package``
(`evreg audit`'s text is :mod:`evreg.cli.audit_output`).
"""

from evreg.review.audit.consistency import (
    check_hr_vs_ci,
    check_model_vs_rule,
    check_p_vs_ci,
    check_q_p_vs_i2,
)
from evreg.review.audit.findings import (
    CHECK_LABELS,
    CHECKS,
    SEVERITIES,
    AuditFinding,
)
from evreg.review.audit.printed import (
    Printed,
    hr_interval_from_ci,
    p_interval_from_ci,
    parse_printed,
    q_interval_from_i2,
    q_p_interval_from_i2,
    rule_from_printed,
    z_interval_from_ci,
)
from evreg.review.audit.reproduction import (
    PUBLISHED_FIELDS,
    RECOMPUTED_FIELDS,
    Reproduction,
    printed_published,
    printed_rows,
    reproduce,
    reproduce_rows,
    reproduction_findings,
)
from evreg.review.audit.run import audit_package, audit_rows, review_counts
from evreg.review.audit.study_table import (
    check_identical_characteristics,
    check_k_vs_study_table,
    check_n_vs_source,
    check_subgroup_k_vs_study_table,
    check_totals,
)
from evreg.review.audit.subgroups import (
    check_subgroup_k_sum,
    check_subgroup_q_partition,
    q_interval,
)
from evreg.review.audit.two_study import check_two_study_direction

__all__ = [
    "CHECK_LABELS",
    "CHECKS",
    "PUBLISHED_FIELDS",
    "RECOMPUTED_FIELDS",
    "SEVERITIES",
    "AuditFinding",
    "Printed",
    "Reproduction",
    "audit_package",
    "audit_rows",
    "check_hr_vs_ci",
    "check_identical_characteristics",
    "check_k_vs_study_table",
    "check_model_vs_rule",
    "check_n_vs_source",
    "check_p_vs_ci",
    "check_q_p_vs_i2",
    "check_subgroup_k_sum",
    "check_subgroup_k_vs_study_table",
    "check_subgroup_q_partition",
    "check_totals",
    "check_two_study_direction",
    "hr_interval_from_ci",
    "p_interval_from_ci",
    "parse_printed",
    "printed_published",
    "printed_rows",
    "q_interval",
    "q_interval_from_i2",
    "q_p_interval_from_i2",
    "reproduce",
    "reproduce_rows",
    "reproduction_findings",
    "review_counts",
    "rule_from_printed",
    "z_interval_from_ci",
]
