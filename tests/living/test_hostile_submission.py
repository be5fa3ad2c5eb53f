"""Hostile submissions (issue 20): each refused by `evreg add-study` (a YAML file or an issue
body) with exit 1, a one-line message under 4 KB that names where, no traceback, and no file
written. How fast each is refused is measured by benchmarks/hostile.py, not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.hostile import HOSTILE_ESTIMATES, HOSTILE_YAML
from fixtures.issue_body import ANSWERS, render_body
from fixtures.living_repo import make_repo, run_cli, snapshot

from evreg.data.text import clip, formula_start, invisible_character, strip_control
from evreg.living.report import md_escape

MAX_MESSAGE = 4096


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _refused(code: int, out: str, err: str, before: dict, repo: Path, where: str) -> None:
    assert code == 1, (code, err[:500])
    assert "Traceback" not in err and len(err.encode()) < MAX_MESSAGE, err[:500]
    assert len(out.encode()) < MAX_MESSAGE
    assert where in err
    assert snapshot(repo) == before, "nothing written"


@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_refused(repo: Path, capsys, name: str) -> None:
    text, message = HOSTILE_YAML[name]
    path = repo.parent / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    before = snapshot(repo)
    code, out, err = run_cli(["add-study", str(path)], repo, capsys)
    _refused(code, out, err, before, repo, "hostile.yaml")
    assert message in err, err[:500]


@pytest.mark.parametrize("name", sorted(HOSTILE_ESTIMATES))
def test_hostile_issue_body_is_refused(repo: Path, capsys, name: str) -> None:
    estimates, message = HOSTILE_ESTIMATES[name]
    body = repo.parent / "body.md"
    body.write_text(render_body({**ANSWERS, "estimates": estimates}), encoding="utf-8")
    before = snapshot(repo)
    args = ["add-study", "--from-issue", str(body), "--format", "markdown"]
    code, out, err = run_cli(args, repo, capsys)
    _refused(code, out, err, before, repo, "body.md")
    assert message in err and ":estimates:" in err
    assert "could not be read" in out and "no pull request" not in out


def test_invisible_characters_in_the_issue_form_are_refused(repo: Path, capsys) -> None:
    body = repo.parent / "body.md"
    body.write_text(render_body({**ANSWERS, "title": "evil\u202etxt.exe"}), encoding="utf-8")
    before = snapshot(repo)
    code, out, err = run_cli(["add-study", "--from-issue", str(body)], repo, capsys)
    _refused(code, out, err, before, repo, ":title:")
    assert "U+202E" in err


def test_numbers_stay_numbers() -> None:
    for number in ("-0.5", "+3", "-1e-3", ".5"):
        assert formula_start(number) is None
    for formula, start in (("=1+1", "'='"), ("-x", "'-'"), ("@A1", "'@'"), ("\tx", "a TAB")):
        assert formula_start(formula) == start
    assert formula_start("\r=1") == "a carriage return"


def test_messages_quote_at_most_80_characters() -> None:
    shown = clip("x" * 5_000_000)
    assert len(shown) < 120 and "5,000,000 characters" in shown
    assert clip("a\u202eb") == "'a\\u202eb'"
    assert invisible_character("a\u200bb") == "U+200B (ZERO WIDTH SPACE)"


def test_comments_neutralise_mentions_references_and_invisible_text() -> None:
    text = md_escape("fixes GH-26 and #26 for @octocat \u202eevil\u200b")
    for raw in ("GH-26", "#26", "@octocat", "\u202e", "\u200b"):
        assert raw not in text, raw
    assert strip_control("a\u202eb\tc", " ") == "a b c"
