#!/usr/bin/env bash
# Builds apiary for 32-bit ARM (GOARCH=arm GOARM=7).
#
# cockroachdb-parser v0.25.2 assumes a 64-bit int in three places and does not
# compile for 32-bit targets. Until that is fixed upstream, this script copies
# the module from the module cache into tools/ (git-ignored), applies three
# one-line fixes that keep the code's meaning on 64-bit targets, and builds
# with a generated go.mod that points the module at the patched copy. Each
# fix is checked to have applied, so a parser upgrade that moves the code
# fails here loudly instead of silently building something else.
#
# Usage: [LDFLAGS=...] build/arm32.sh OUTPUT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: build/arm32.sh OUTPUT}

mod=github.com/cockroachdb/cockroachdb-parser
src=$(go list -m -f '{{.Dir}}' "$mod")
ver=$(go list -m -f '{{.Version}}' "$mod")
dst=tools/parser-arm32/$ver
if [ ! -f "$dst/.patched" ]; then
  rm -rf "$dst"
  mkdir -p "$(dirname "$dst")"
  cp -r "$src" "$dst"
  chmod -R u+w "$dst"

  patch_line() { # file, sed expression, text that must appear afterwards
    sed -i "$2" "$dst/$1"
    grep -qF -- "$3" "$dst/$1" || { echo "arm32.sh: patch for $1 did not apply (parser $ver changed?)" >&2; exit 1; }
  }
  # 3.6e9 µs per hour overflows a 32-bit int: divide in int64, then convert.
  patch_line pkg/util/timeofday/time_of_day.go \
    's|return int(int64(t)%microsecondsPerDay) / microsecondsPerHour|return int(int64(t) % microsecondsPerDay / microsecondsPerHour)|' \
    'return int(int64(t) % microsecondsPerDay / microsecondsPerHour)'
  # An int sentinel set to MaxInt64: the largest int is what is meant.
  patch_line pkg/util/tsearch/eval.go 's/math\.MaxInt64\b/math.MaxInt/g' 'math.MaxInt'
  # More than 32 formatting flags: the flag type needs 64 bits everywhere.
  patch_line pkg/sql/sem/tree/format.go 's/^type FmtFlags int$/type FmtFlags int64/' 'type FmtFlags int64'
  touch "$dst/.patched"
fi

cp go.mod tools/go.arm32.mod
cp go.sum tools/go.arm32.sum
echo "replace $mod => $PWD/$dst" >> tools/go.arm32.mod
GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0 go build -modfile tools/go.arm32.mod -trimpath -ldflags "${LDFLAGS:-}" -o "$out" ./cmd/apiary
