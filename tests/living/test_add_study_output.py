"""`evreg add-study` names the files it changed, and the contributor guide commits exactly
those (its generated block is a real run: .ci/contributing.py)."""

from __future__ import annotations

import re

from fixtures.living_repo import ROOT


def test_contributing_git_add_is_the_one_add_study_prints() -> None:
    guide = (ROOT / ".github" / "CONTRIBUTING.md").read_text(encoding="utf-8")
    added = guide.split("<!-- BEGIN .ci/contributing.py: added -->", 1)[1].split("<!-- END", 1)[0]
    printed = re.search(r"^to commit them: (git add -- .+)$", added, re.M)
    assert printed, "add-study prints the git add that commits its files"
    step = guide[guide.index("## 6. Test, commit, push") :]
    commands = re.findall(r"^git add .*?(?=\s+#|$)", step, re.M)
    assert commands == [printed.group(1)]
