"""Contributors without git: a submitted "Submit a study" issue form read by
`evreg add-study --from-issue BODY.md` (valid, missing fields, hostile text). The workflow's
scripts are run for real in tests/living/test_submission_workflow.py."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from fixtures.issue_body import ANSWERS, FORM, render_body
from fixtures.living_repo import ROOT, make_repo, run_cli, snapshot

from evreg.errors import EvregError
from evreg.living.issue_form import FORM_PATH, form_file, load_form, parse_issue

HOSTILE = (
    '<script>alert("x")</script> <img src=x onerror=alert(1)> ${{ github.token }} '
    "$(touch /tmp/evreg-pwned) `id` [link](javascript:alert(2)) @octocat #1 | cell | **bold**"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _body(tmp: Path, answers: dict | None = None, text: str | None = None) -> Path:
    path = tmp / "body.md"
    path.write_text(text if text is not None else render_body(answers or ANSWERS), "utf-8")
    return path


def _last_row(path: Path) -> dict[str, str]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))[-1]


def test_form_fields_are_the_template_s() -> None:
    """Every field of the form is a field the add-study template asks for (or the estimates,
    the screening record, the confirmation)."""
    import yaml

    from evreg.data.template import render_template

    template = yaml.safe_load(render_template(ROOT / "datapackage.json"))
    accepted = set(template["study"]) | {"estimates", "candidate", "confirm", "risk_of_bias"}
    ids = [f.id for f in load_form(FORM).values()]
    assert set(ids) <= accepted, set(ids) - accepted
    required = {"first_author", "year", "title", "biomarker", "estimates", "source_url"}
    assert required <= set(ids)
    assert {"nos_selection", "nos_comparability", "nos_outcome", "quality_assessed_by"} <= set(ids)
    assert "n" not in ids and "outcomes_used_by_review" not in ids


def test_valid_submission_is_added(repo: Path, capsys) -> None:
    body = _body(repo.parent)
    code, out, err = run_cli(["add-study", "--from-issue", str(body)], repo, capsys)
    assert code == 0, err
    assert "added study example-2026" in out and "1.1.0" in out
    study = _last_row(repo / "data/studies.csv")
    assert (study["study_id"], study["in_review"], study["added_in_version"]) == (
        "example-2026",
        "false",
        "1.1.0",
    )
    assert (study["hbv_all_patients"], study["local_treatment"]) == ("true", "")
    assert study["n_confirmed"] == "120" and study["quality_assessed_by"] == "0000-0002-1825-0097"
    assert study["notes"] == "Fictional study, submitted by the tests."
    estimate = _last_row(repo / "data/estimates.csv")
    assert (estimate["estimate_id"], estimate["hr"], estimate["ci_lower"]) == (
        "example-2026-sii-pfs",
        "1.62",
        "1.10",
    )


def test_crlf_body_and_a_given_study_id(repo: Path, capsys) -> None:
    text = render_body({**ANSWERS, "study_id": "example-2026b"}).replace("\n", "\r\n")
    body = _body(repo.parent, text=text)
    code, out, err = run_cli(["add-study", "--from-issue", str(body)], repo, capsys)
    assert code == 0, err
    assert "added study example-2026b" in out


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"first_author": ""}, ":first_author: required with the year"),
        ({"estimates": ""}, ":estimates: give at least one hazard ratio"),
        ({"confirm": False}, ":confirm: not ticked"),
        ({"estimates": "- outcome: [PFS\n"}, ":estimates: not valid YAML"),
        ({"estimates": "outcome: PFS\n"}, ":estimates: expected a list"),
        ({"estimates": "- colour: red\n"}, "estimates[1].colour: unknown field"),
    ],
    ids=["no-author", "no-estimates", "not-confirmed", "bad-yaml", "not-a-list", "unknown"],
)
def test_unreadable_submission_is_one_clear_error(
    repo: Path, capsys, answers: dict, message: str
) -> None:
    body = _body(repo.parent, {**ANSWERS, **answers})
    before = snapshot(repo)
    code, out, err = run_cli(["add-study", "--from-issue", str(body)], repo, capsys)
    assert code == 1 and message in err and "Traceback" not in err
    assert str(body) in err
    assert snapshot(repo) == before


def test_yaml_error_names_the_body_line(repo: Path) -> None:
    text = render_body({**ANSWERS, "estimates": "- outcome: PFS\n  hr: [1.62\n"})
    line = text.splitlines().index("  hr: [1.62") + 1
    with pytest.raises(EvregError, match=rf"body\.md:{line + 1}:estimates: not valid YAML"):
        parse_issue(text, load_form(FORM), "body.md")


def test_missing_value_becomes_a_validation_error(repo: Path, capsys) -> None:
    """A required field left empty (here the title): the form's question, from the same checks
    as a YAML file, and no file changed; the YAML route keeps its file:line:field (below)."""
    body = _body(repo.parent, {**ANSWERS, "title": ""})
    before = snapshot(repo)
    code, out, err = run_cli(
        ["add-study", "--from-issue", str(body), "--format", "markdown"], repo, capsys
    )
    assert code == 1 and snapshot(repo) == before
    assert "- Title: is required — please answer it" in out
    assert out.startswith("**") and "could not be added: 1 problem.**" in out
    assert "studies.csv" not in out and ":title:" not in out


def test_form_errors_speak_the_form_s_language(repo: Path, capsys) -> None:
    """A submitter never saw the CSV files: "150 patients" and an address without https://
    are said with the form's questions and what to give instead; no path, line, field name
    or regular expression; an error in the hazard ratios block names its entry."""
    estimates = ANSWERS["estimates"].replace("hr: ", "hr: about ", 1)
    answers = {
        **ANSWERS,
        "n_confirmed": "150 patients",
        "source_url": "example.org/paper",
        "estimates": estimates,
    }
    before = snapshot(repo)
    code, out, _ = run_cli(
        ["add-study", "--from-issue", str(_body(repo.parent, answers)), "--format", "markdown"],
        repo,
        capsys,
    )
    assert code == 1 and snapshot(repo) == before
    text = html.unescape(out)
    assert (
        "- Number of patients: '150 patients' is not a whole number — give digits only, e.g. 150"
        in text
    )
    where = "- Where you read it: 'example.org/paper' is not in the expected form — give the full"
    assert where in text
    assert "- Hazard ratios, entry 1, " in text and "is not a number" in text
    for jargon in (".csv", "n_confirmed", "source_url", "^https?", "\\S", "expected form ("):
        assert jargon not in text, jargon


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Just some text\n\n### First author\n\nX\n", "text before the first '### ' section"),
        ("### Favourite colour\n\nred\n", "unknown section 'Favourite colour'"),
        (render_body() + "\n### Title\n\nA second title\n", ":title: given twice"),
    ],
    ids=["preamble", "unknown-section", "injected-heading"],
)
def test_edited_bodies_are_refused(text: str, message: str) -> None:
    with pytest.raises(EvregError, match=message.replace("(", r"\(")):
        parse_issue(text, load_form(FORM), "body.md")


def test_an_input_on_several_lines_is_refused() -> None:
    text = render_body({**ANSWERS, "journal": "Journal\nof Examples"})
    with pytest.raises(EvregError, match=r"body\.md:\d+:journal: write the value on one line"):
        parse_issue(text, load_form(FORM), "body.md")


def test_hostile_text_is_kept_as_data_and_escaped_in_comments(repo: Path, capsys) -> None:
    body = _body(repo.parent, {**ANSWERS, "title": HOSTILE, "notes": HOSTILE})
    code, out, err = run_cli(
        ["add-study", "--from-issue", str(body), "--format", "markdown"], repo, capsys
    )
    assert code == 0, err
    study = _last_row(repo / "data/studies.csv")
    assert study["title"] == HOSTILE == study["notes"]
    assert not Path("/tmp/evreg-pwned").exists()
    # a refused hostile submission: the comment shows the text, escaped
    bad = _body(repo.parent, {**ANSWERS, "study_id": "evil-2026", "year": HOSTILE})
    code, out, _ = run_cli(
        ["add-study", "--from-issue", str(bad), "--format", "markdown"], repo, capsys
    )
    assert code == 1 and "- Year: " in out and "is not a whole number — give the year as" in out
    for raw in ("<script", "<img", "](javascript", "@octocat", "${{", "| cell |"):
        assert raw not in out, raw
    assert "&lt;script&gt;" in out, "shown as text, escaped"


def test_yaml_tags_in_the_estimates_are_refused() -> None:
    estimates = "- !!python/object/apply:os.system ['touch /tmp/evreg-pwned']\n"
    with pytest.raises(EvregError, match="not valid YAML"):
        parse_issue(render_body({**ANSWERS, "estimates": estimates}), load_form(FORM), "b.md")
    assert not Path("/tmp/evreg-pwned").exists()


# A body exactly as GitHub writes it (typed out, not generated): the parser must not depend on
# the test's own renderer. Fields left empty read "_No response_".
LITERAL_BODY = """### Study id

_No response_

### First author

Example A

### Year

2026

### Title

A fictional cohort typed out as GitHub writes it

### Journal

_No response_

### Volume (issue)

_No response_

### Pages or article number

_No response_

### DOI

_No response_

### PubMed ID

_No response_

### Country

Nowhere

### Number of patients

120

### Age

_No response_

### Men

_No response_

### Women

_No response_

### Study design

retrospective cohort study

### Biomarker

SII

### Treatment

atezolizumab + bevacizumab

### Cut-off

_No response_

### All patients HBV-related?

no

### Local treatment (e.g. TACE) combined with the ICI?

None

### What could you read?

abstract

### Where you read it

https://example.org/fictional-study

### Newcastle-Ottawa selection stars (0-4)

3

### Newcastle-Ottawa comparability stars (0-2)

1

### Newcastle-Ottawa outcome stars (0-3)

2

### Quality assessed by

A. Contributor

### Screening record

_No response_

### Hazard ratios

```yaml
- biomarker: SII            # IL-6 or SII
  outcome: OS               # PFS or OS
  exposure: SII above 500   # what "high" means, as printed
  comparison: high_vs_low   # high_vs_low or low_vs_high, as printed
  timepoint: baseline       # baseline, on_treatment or unknown
  model: multivariable      # multivariable, univariable or unknown
  cohort: whole             # whole, training, validation or unknown
  hr:
  ci_lower:
  ci_upper:
  ci_level: 0.95
  p_as_printed:             # in quotes, as printed: "0.014" or "< 0.001"
  status: not_found         # extracted; incomplete (only some printed); not_found
  source_url:
  source_location:          # table, figure or page
  notes: the abstract gives no hazard ratio
```

### Notes

_No response_

### Confirmation

- [X] The numbers above are copied exactly as printed, with their location.
"""


def test_a_body_as_github_writes_it(repo: Path, capsys) -> None:
    """'None' is what GitHub writes for a dropdown left unanswered: unknown."""
    body = _body(repo.parent, text=LITERAL_BODY)
    submission = parse_issue(LITERAL_BODY, load_form(FORM), "body.md")
    study = submission["study"]
    assert (study["study_id"], study["hbv_all_patients"], study["local_treatment"]) == (
        "example-2026",
        "false",
        "",
    )
    assert submission["estimates"][0]["status"] == "not_found"
    code, out, err = run_cli(["add-study", "--from-issue", str(body)], repo, capsys)
    assert code == 0, err
    assert "example-2026-sii-os" in out


def test_the_form_read_is_the_given_one_else_the_packages_own(tmp_path: Path) -> None:
    """`evreg add-study --from-issue` reads --form FORM.yml, else the form beside the package."""
    descriptor = tmp_path / "pkg" / "datapackage.json"
    assert form_file(descriptor) == tmp_path / "pkg" / FORM_PATH
    assert form_file(descriptor, "elsewhere/form.yml") == Path("elsewhere/form.yml")
