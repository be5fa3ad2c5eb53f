#!/usr/bin/env bash
# Check a submitted "Submit a study" issue: the first job of .github/workflows/submit-a-study.yml.
# It runs with no token at all (permissions: {}, persist-credentials: false, no GH_TOKEN): the
# issue body is untrusted text, read only by evreg, from the file $BODY_FILE.
#
#   ISSUE_NUMBER  the issue's number              BODY_FILE  the issue body, as a file
#   EVREG         the evreg command               OUT        the folder handed to the next job
#
# It writes to $OUT only: status ("valid" or "invalid"), base (the commit checked against),
# outcome.md (what add-study said, escaped markdown), and for a valid submission diff.md (the
# results diff) and data/NAME.csv (each package file add-study changed; nothing else). The
# second job (.github/scripts/submit-a-study-publish.sh) checks these names again, pushes and
# comments, without running pip or evreg. Exit status 0 for valid and invalid submissions.
set -euo pipefail

: "${ISSUE_NUMBER:?}" "${BODY_FILE:?}" "${OUT:?}"
EVREG=${EVREG:-.venv/bin/evreg}
case "$ISSUE_NUMBER" in
  '' | *[!0-9]*) echo "submit-a-study: ISSUE_NUMBER must be a number" >&2; exit 2 ;;
esac
repo=$(pwd)
case "$EVREG" in
  /*) ;;
  */*) EVREG="$repo/$EVREG" ;;
esac
mkdir -p "$OUT"
git rev-parse HEAD > "$OUT/base"
work=$(mktemp -d)
cp "$BODY_FILE" "$work/issue-body.md"

# run from $work so that messages name "issue-body.md", not a path on the runner
status=0
(cd "$work" && "$EVREG" add-study --from-issue issue-body.md \
  --form "$repo/.github/ISSUE_TEMPLATE/submit-a-study.yml" \
  --package "$repo/datapackage.json" --format markdown > "$OUT/outcome.md") || status=$?
if [ "$status" -eq 1 ]; then
  echo invalid > "$OUT/status"
  exit 0
elif [ "$status" -ne 0 ]; then
  echo "submit-a-study: evreg add-study failed (exit $status)" >&2
  exit "$status"
fi

# add-study may change only the package's CSV files (studies, estimates, candidates)
changed=$(git status --porcelain --untracked-files=all)
mkdir -p "$OUT/data"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  path=${line:3}
  case "$line" in
    " M data/"*.csv) ;;
    *) echo "submit-a-study: add-study changed an unexpected file: $line" >&2; exit 3 ;;
  esac
  cp -- "$path" "$OUT/data/"
done <<< "$changed"
{
  echo "<!-- evreg-results-diff -->"
  "$EVREG" diff "$(cat "$OUT/base")"
} > "$OUT/diff.md"
echo valid > "$OUT/status"
