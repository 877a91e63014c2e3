#!/usr/bin/env bash
# Decides how the major tag follows a release tag, only ever forward:
#   scripts/release/major-tag.sh vX.Y.Z
# Prints `create vX SHA` when vX does not exist yet, `move vX SHA` when the release's commit
# descends from where vX is, `keep vX SHA` when vX is already there; fails (exit 1, with the reason
# as an ::error::) when vX would move backwards or sideways, or the tag is not a release tag.
# Reads the tags of the repository in the current directory (check out with fetch-depth: 0).
set -euo pipefail
release=${1:?usage: major-tag.sh vX.Y.Z}
if ! [[ $release =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "::error::'$release' is not a release tag (vX.Y.Z)" >&2
  exit 1
fi
major=${release%%.*}
new=$(git rev-parse --verify "refs/tags/$release^{commit}")
if ! old=$(git rev-parse -q --verify "refs/tags/$major^{commit}"); then
  echo "create $major $new"
elif [ "$old" = "$new" ]; then
  echo "keep $major $new"
elif git merge-base --is-ancestor "$old" "$new"; then
  echo "move $major $new"
else
  echo "::error::$major is at $old, which $release ($new) does not descend from: a major tag only moves forward. Move it by hand if this is really meant." >&2
  exit 1
fi
