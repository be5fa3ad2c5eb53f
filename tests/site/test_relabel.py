"""One substitution of names by labels (evreg.site.views.names.relabel) for every page: audit
and plan text, certainty rules and the CHANGELOG's Markdown (where ``_`` may stand as
``&#95;`` and labels are escaped)."""

from __future__ import annotations

from evreg.site.views.names import Words, not_words, relabel
from evreg.site.views.whats_new import changelog_body

NAMES = {"e-1": "Yao 2025 (SII, OS)", "study_id": "Study <id>", "high": "High"}


def test_names_that_stand_alone_become_labels() -> None:
    names = {"e-1": "First", "e-12": "Twelfth"}
    assert (
        relabel("e-1, e-12 and e-123, xe-1 or id-e-1", names)
        == "First, Twelfth and e-123, xe-1 or id-e-1"
    )


def test_markdown_mode_reads_entity_underscores_and_escapes_labels() -> None:
    text = "study&#95;id, study_id; not study_idx nor study&#95;id&#95;x"
    expected = "Study &lt;id&gt;, Study &lt;id&gt;; not study_idx nor study&#95;id&#95;x"
    assert relabel(text, NAMES, markdown=True) == expected
    assert relabel("study_id", NAMES) == "Study <id>", "plain text is not escaped here"


def test_only_codes_that_are_not_words_are_relabelled() -> None:
    assert not_words(NAMES) == {"study_id": "Study <id>"}
    assert not_words(NAMES, "_-") == {"e-1": "Yao 2025 (SII, OS)", "study_id": "Study <id>"}


def test_the_changelog_and_audit_words_use_the_same_substitution(tmp_path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n- added e-1 to study&#95;id (high)\n", encoding="utf-8"
    )
    body = str(changelog_body(tmp_path, NAMES))
    assert body.strip() == "- added Yao 2025 (SII, OS) to Study &lt;id&gt; (high)"
    assert Words(NAMES)("e-1 and high") == "Yao 2025 (SII, OS) and High"
