#!/bin/sh
# SPDX-License-Identifier: MIT
# The version every binary and `make release` carry, from one place: the
# nearest tag vX.Y.Z (`git describe`: X.Y.Z, or X.Y.Z-N-gCOMMIT after it),
# else the VERSION file. With --commit: the commit (12 hex digits, "-dirty"
# when tracked files differ from it), or "unknown" outside a git checkout.
# With --date: SOURCE_DATE_EPOCH when set, else the last commit's time, else
# (a source tree without git, e.g. from `git archive`, whose files carry the
# commit's time) the VERSION file's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --date ]; then
	[ -z "${SOURCE_DATE_EPOCH:-}" ] || { echo "$SOURCE_DATE_EPOCH"; exit 0; }
	git -C "$root" log -1 --format=%ct 2>/dev/null || stat -c %Y "$root/VERSION"
elif [ "${1:-}" = --commit ]; then
	c=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null) ||
		{ echo unknown; exit 0; }
	[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] ||
		c=$c-dirty
	echo "$c"
elif d=$(git -C "$root" describe --tags --match 'v[0-9]*' 2>/dev/null); then
	echo "${d#v}"
else
	cat "$root/VERSION"
fi
