#!/usr/bin/env bash
# Turn a submitted "Submit a study" issue into a pull request, or comment what is wrong.
# Run by .github/workflows/submit-a-study.yml on the default branch's own code; the issue body
# (untrusted text) arrives only as the file $BODY_FILE and is read by evreg, never by the shell.
#
#   ISSUE_NUMBER  the issue's number                BODY_FILE  the issue body, as a file
#   BASE_BRANCH   the branch to propose against     EVREG      the evreg command (.venv/bin/evreg)
#   GH            the GitHub CLI (gh)               OUT        a directory for the texts it posts
#
# Valid: the study is added on branch submit-a-study/issue-N (pushed, replacing an earlier
# try), a pull request is opened or updated, the results diff is its comment, and the issue
# gets a link. Invalid: the issue gets a comment listing each problem (file:line:field); no
# branch, no pull request. Exit status 0 in both cases; anything else is a failure.
set -euo pipefail

: "${ISSUE_NUMBER:?}" "${BODY_FILE:?}" "${BASE_BRANCH:?}"
EVREG=${EVREG:-.venv/bin/evreg}
GH=${GH:-gh}
OUT=${OUT:-$(mktemp -d)}
case "$ISSUE_NUMBER" in
  '' | *[!0-9]*) echo "submit-a-study: ISSUE_NUMBER must be a number" >&2; exit 2 ;;
esac
branch="submit-a-study/issue-${ISSUE_NUMBER}"
base=$(git rev-parse HEAD)
repo=$(pwd)
case "$EVREG" in
  /*) ;;
  */*) EVREG="$repo/$EVREG" ;;
esac
cp "$BODY_FILE" "$OUT/issue-body.md"

# run from $OUT so that messages name "issue-body.md", not a path on the runner
status=0
(cd "$OUT" && "$EVREG" add-study --from-issue issue-body.md --form "$repo/.github/ISSUE_TEMPLATE/submit-a-study.yml" \
  --package "$repo/datapackage.json" --format markdown > "$OUT/outcome.md") || status=$?
if [ "$status" -eq 1 ]; then
  "$GH" issue comment "$ISSUE_NUMBER" --body-file "$OUT/outcome.md"
  exit 0
elif [ "$status" -ne 0 ]; then
  echo "submit-a-study: evreg add-study failed (exit $status)" >&2
  exit "$status"
fi

git switch --quiet -C "$branch"
git add -- datapackage.json schemas data
git -c user.name="evreg submit-a-study" -c user.email="evreg-submit-a-study@users.noreply.github.com" \
  commit --quiet -m "Add a study submitted in issue #${ISSUE_NUMBER}"
git push --quiet --force origin "HEAD:refs/heads/${branch}"

{
  cat "$OUT/outcome.md"
  echo
  echo "Submitted in issue #${ISSUE_NUMBER} with the \"Submit a study\" form; the rows were"
  echo "written by \`evreg add-study --from-issue\` (the default branch's code). The results diff"
  echo "is the first comment. A maintainer checks the numbers against the source before merging."
  echo
  echo "Closes #${ISSUE_NUMBER}"
} > "$OUT/pr.md"
{
  echo "<!-- evreg-results-diff -->"
  "$EVREG" diff "$base"
} > "$OUT/diff.md"

title="Add a study submitted in issue #${ISSUE_NUMBER}"
if "$GH" pr view "$branch" --json number > /dev/null 2>&1; then
  "$GH" pr edit "$branch" --body-file "$OUT/pr.md"
  "$GH" pr comment "$branch" --edit-last --body-file "$OUT/diff.md"
  verb="updated"
else
  "$GH" pr create --base "$BASE_BRANCH" --head "$branch" --title "$title" --body-file "$OUT/pr.md"
  "$GH" pr comment "$branch" --body-file "$OUT/diff.md"
  verb="opened"
fi
{
  echo "Thank you! The submission passed every check and the pull request is ${verb}:"
  echo "branch \`${branch}\`. Its description shows how every result changes."
} > "$OUT/comment.md"
"$GH" issue comment "$ISSUE_NUMBER" --body-file "$OUT/comment.md"
