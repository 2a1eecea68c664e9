#!/bin/sh
# Build the e2e-target test service into OUTDIR/e2e-target.
#   usage: tests/target/build.sh OUTDIR
# Offline (standard library only, GOPROXY=off), quiet on success, idempotent:
# a rebuild with nothing changed is served from the Go build cache.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
srcdir=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
outdir=$(cd "$1" && pwd)

GO=${GO:-go}
if ! command -v "$GO" >/dev/null 2>&1; then
	echo "$0: '$GO' not found (install golang-go)" >&2
	exit 1
fi

# The build cache: keep the user's unless it cannot work (no HOME, or an
# unwritable one), then fall back to one inside OUTDIR.
if [ -z "${GOCACHE:-}" ]; then
	if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ] || [ ! -w "$HOME" ]; then
		GOCACHE=$outdir/.gocache
		export GOCACHE
	fi
fi
# Nothing may be downloaded: the module has no requirements.
GOPROXY=off
GOFLAGS=${GOFLAGS:-}
GO111MODULE=on
GOWORK=off
export GOPROXY GOFLAGS GO111MODULE GOWORK
# GOPATH is only consulted for the module cache, which stays empty; make sure
# a missing HOME does not turn that into an error.
if [ -z "${GOPATH:-}" ] && { [ -z "${HOME:-}" ] || [ ! -w "${HOME:-/nonexistent}" ]; }; then
	GOPATH=$outdir/.gopath
	export GOPATH
fi

cd "$srcdir"
exec "$GO" build -buildvcs=false -trimpath -o "$outdir/e2e-target" .
