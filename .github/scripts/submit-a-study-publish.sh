#!/usr/bin/env bash
# Publish a checked "Submit a study" issue: the second job of submit-a-study.yml. It holds the
# write token and runs neither pip nor evreg: it takes from $SUBMISSION (the first job's
# artifact, see submit-a-study-check.sh) only files whose names it checks, and data/NAME.csv
# only for a CSV the package already tracks.
#
#   ISSUE_NUMBER  the issue's number                 SUBMISSION  the first job's folder
#   BASE_BRANCH   the branch to propose against      GH          the GitHub CLI (gh)
#
# Reviews stay reviewed: the branch submit-a-study/issue-N is never force-pushed. The first
# valid submission opens the pull request; an edit of the issue adds a commit (and a comment
# with the new results diff) on top of the branch, but only while every commit on it is the
# bot's own: once a maintainer has committed to it, the bot comments and changes nothing. An
# edit that makes the submission invalid comments on the open pull request and turns it into a
# draft; a later valid edit marks it ready again.
set -euo pipefail

: "${ISSUE_NUMBER:?}" "${BASE_BRANCH:?}" "${SUBMISSION:?}"
GH=${GH:-gh}
BOT_NAME="evreg submit-a-study"
BOT_EMAIL="evreg-submit-a-study@users.noreply.github.com"
MAX_TEXT=60000
case "$ISSUE_NUMBER" in
  '' | *[!0-9]*) echo "submit-a-study: ISSUE_NUMBER must be a number" >&2; exit 2 ;;
esac
branch="submit-a-study/issue-${ISSUE_NUMBER}"
notes=$(mktemp -d)

fail() { echo "submit-a-study: $*" >&2; exit 3; }

# --- the artifact: known names only, regular files only, no links
[ -z "$(find "$SUBMISSION" -type l)" ] || fail "the artifact holds a symbolic link"
while IFS= read -r -d '' file; do
  rel=${file#"$SUBMISSION"/}
  case "$rel" in
    status | base | outcome.md | diff.md) ;;
    data/*.csv)
      name=${rel#data/}
      [[ "$name" =~ ^[a-z0-9][a-z0-9_-]*\.csv$ ]] || fail "unexpected file name: data/$name"
      git ls-files --error-unmatch -- "data/$name" > /dev/null 2>&1 \
        || fail "data/$name is not a file of the package"
      ;;
    *) fail "unexpected file in the artifact" ;;
  esac
done < <(find "$SUBMISSION" -mindepth 1 \( -type f -o -type l -o -type p -o -type s \) -print0)
status=$(head -c 16 "$SUBMISSION/status")
[ "$status" = valid ] || [ "$status" = invalid ] || fail "status must be valid or invalid"
base=$(git rev-parse HEAD)
[ "$(head -c 64 "$SUBMISSION/base")" = "$base" ] || fail "checked against another commit"
text() { head -c "$MAX_TEXT" "$SUBMISSION/$1"; }

pr_state=$("$GH" pr view "$branch" --json state --jq .state 2> /dev/null || true)
comment_issue() { "$GH" issue comment "$ISSUE_NUMBER" --body-file "$1"; }

# --- an invalid submission: say so where the reviewers look
if [ "$status" = invalid ]; then
  if [ "$pr_state" = OPEN ]; then
    {
      text outcome.md
      echo
      echo "The issue was edited and the submission no longer passes the checks, so this"
      echo "pull request is now a draft; it is ready again once the issue is fixed."
    } > "$notes/invalid.md"
    "$GH" pr comment "$branch" --body-file "$notes/invalid.md"
    "$GH" pr ready "$branch" --undo || true  # already a draft
    comment_issue "$notes/invalid.md"
  else
    { text outcome.md; echo; echo "No pull request was opened."; } > "$notes/invalid.md"
    comment_issue "$notes/invalid.md"
  fi
  exit 0
fi

# --- a valid submission: the package files as the first job wrote them, on the default branch
for file in "$SUBMISSION"/data/*.csv; do
  [ -e "$file" ] || continue
  cp -- "$file" "data/$(basename "$file")"
done
git add -- data
tree=$(git write-tree)
git reset --quiet && git checkout --quiet -- data

parents=(-p "$base")
head=""
if git ls-remote --exit-code --heads origin "$branch" > /dev/null 2>&1; then
  git fetch --quiet --no-tags origin "+refs/heads/${branch}:refs/remotes/origin/${branch}"
  head=$(git rev-parse "refs/remotes/origin/${branch}")
  foreign=$(git log --format='%h %ae %ce' "$head" --not "$base" \
    | awk -v bot="$BOT_EMAIL" '$2 != bot || $3 != bot { print $1 }' | head -n 1)
  if [ -n "$foreign" ]; then
    {
      echo "The issue was edited, but this branch has a commit the bot did not make"
      echo "(${foreign}), so the bot changed nothing: it never rewrites a reviewed branch."
      echo "A maintainer can apply the edit by hand; the edited submission's results diff:"
      echo
      text diff.md
    } > "$notes/foreign.md"
    if [ "$pr_state" = OPEN ]; then
      "$GH" pr comment "$branch" --body-file "$notes/foreign.md"
    fi
    comment_issue "$notes/foreign.md"
    exit 0
  fi
  if [ "$(git rev-parse "${head}^{tree}")" = "$tree" ] && [ "$pr_state" = OPEN ]; then
    echo "submit-a-study: the branch already holds this submission" >&2
    "$GH" pr ready "$branch" || true  # valid again after an invalid edit
    exit 0
  fi
  parents=(-p "$head")
  git merge-base --is-ancestor "$base" "$head" || parents+=(-p "$base")
fi

commit=$(GIT_AUTHOR_NAME="$BOT_NAME" GIT_AUTHOR_EMAIL="$BOT_EMAIL" \
  GIT_COMMITTER_NAME="$BOT_NAME" GIT_COMMITTER_EMAIL="$BOT_EMAIL" \
  git commit-tree "$tree" "${parents[@]}" -m "Add a study submitted in issue #${ISSUE_NUMBER}")
# a fast-forward (the new commit's parents include the branch head): never a forced push
git push --quiet origin "${commit}:refs/heads/${branch}"

{
  text outcome.md
  echo
  echo "Submitted in issue #${ISSUE_NUMBER} with the \"Submit a study\" form; the rows were"
  echo "written by \`evreg add-study --from-issue\` (the default branch's code). Each edit of"
  echo "the issue adds a commit and a comment. A maintainer checks the numbers against the"
  echo "source before merging."
  echo
  echo "Closes #${ISSUE_NUMBER}"
} > "$notes/pr.md"
text diff.md > "$notes/diff.md"
title="Add a study submitted in issue #${ISSUE_NUMBER}"
if [ "$pr_state" = OPEN ]; then
  {
    echo "The issue was edited: commit ${commit:0:12} adds the new version of the submission."
    echo
    text diff.md
  } > "$notes/diff.md"
  "$GH" pr ready "$branch" || true  # already ready
  "$GH" pr comment "$branch" --body-file "$notes/diff.md"
  verb="updated"
else
  "$GH" pr create --base "$BASE_BRANCH" --head "$branch" --title "$title" --body-file "$notes/pr.md"
  "$GH" pr comment "$branch" --body-file "$notes/diff.md"
  verb="opened"
fi
{
  echo "Thank you! The submission passed every check and the pull request is ${verb}:"
  echo "branch \`${branch}\`. Its comments show how every result changes."
} > "$notes/comment.md"
comment_issue "$notes/comment.md"
