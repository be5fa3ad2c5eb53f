"""Certainty of the evidence: GRADE for prognostic factors, computed from the data with reasons.

A body of observational prognostic evidence starts at high certainty (Foroutan et al., GRADE
guidelines 28, J Clin Epidemiol 2020;121:62-70; Huguet et al., Syst Rev 2013;2:71). Each of the
five domains is judged not serious, serious (rate down one level), very serious (two) or not
assessable, each with a one-line reason computed from the numbers; the two reasons to rate up
(large effect, dose-response gradient) likewise. Reviewers' rows in the package's ``certainty``
resource override a domain (shown as the reviewer's, the computed judgement kept beside it).

Modules: :mod:`.model` (Judgement, Certainty, levels, the level arithmetic), :mod:`.evidence`
(what the rules read, from the registry's pooled result), one module per rule
(:mod:`.risk_of_bias`, :mod:`.inconsistency`, :mod:`.indirectness`, :mod:`.imprecision`,
:mod:`.publication_bias` (missing results), :mod:`.upgrades`), :mod:`.target` (what is rated),
:mod:`.published` (the review's printed results, and the reliability of their numbers from the
audit), :mod:`.subgroups` (ICEMAN: when a subgroup level is rated on its own),
:mod:`.statement` (GRADE 26 sentences), :mod:`.rate` (``rate_evidence``, ``rate_plan``).
``RULES`` lists every rule with its reference, in the order the Methods page shows them.
"""

from evreg.review import absolute
from evreg.review.certainty import (
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    published,
    reviewer,
    risk_of_bias,
    statement,
    subgroups,
    target,
    upgrades,
)
from evreg.review.certainty.evidence import Evidence, StudyEvidence, analysis_evidence
from evreg.review.certainty.model import (
    DOMAINS,
    LEVELS,
    NO_EVIDENCE,
    UPGRADES,
    Certainty,
    Judgement,
    Rule,
    combine,
)
from evreg.review.certainty.rate import rate_evidence, rate_plan
from evreg.review.results import LEVEL_MEANINGS

LEVEL_RULE = Rule(
    "level",
    "Start high (4) for a prognostic factor, low (2) for an aetiological question; subtract one "
    "level per serious and two per very serious domain, add the levels rated up; the result "
    "stays between very low (1) and high (4). Nothing pooled: no evidence. "
    + "; ".join(f"{level.capitalize()}: {LEVEL_MEANINGS[level]}" for level in reversed(LEVELS))
    + ".",
    "Foroutan et al., J Clin Epidemiol 2020;121:62-70; GRADE Handbook 5 (Schünemann et al. "
    "2013); Balshem et al., J Clin Epidemiol 2011;64:401-6",
)

RULES: tuple[Rule, ...] = (
    target.RULE,
    risk_of_bias.RULE,
    inconsistency.RULE,
    indirectness.RULE,
    imprecision.RULE,
    publication_bias.RULE,
    upgrades.LARGE_EFFECT,
    upgrades.DOSE_RESPONSE,
    LEVEL_RULE,
    subgroups.RULE,
    published.RULE,
    statement.RULE,
    Rule("absolute_effects", absolute.RULE, absolute.REFERENCE),
    Rule("reviewer", reviewer.RULE_TEXT, reviewer.RULE_REFERENCE),
)

__all__ = [
    "DOMAINS",
    "LEVELS",
    "NO_EVIDENCE",
    "RULES",
    "UPGRADES",
    "Certainty",
    "Evidence",
    "Judgement",
    "Rule",
    "StudyEvidence",
    "analysis_evidence",
    "combine",
    "rate_evidence",
    "rate_plan",
]
