#!/usr/bin/env bash
# Installs the Debian packages e2e-profile needs to build and test, but only
# those that are missing, so a second run is instant and offline.
# usage: scripts/install-deps.sh   (run as root, or with sudo on PATH)
set -eu
packages=(
	build-essential meson ninja-build pkg-config   # the build
	protobuf-c-compiler libprotobuf-c-dev           # profile.proto -> C
	libcurl4-openssl-dev zlib1g-dev libinih-dev     # HTTP, gzip, INI
	libjansson-dev                                  # JSON (run.json, kubectl's output)
	libsnappy-dev                                   # Prometheus remote write (snappy)
	libpcre2-dev                                    # Go-regexp (RE2) patterns
	libcmocka-dev                                   # unit tests
	golang-go                                       # test targets, golden data (go tool pprof)
	python3 socat curl                              # test helpers, demo workload
	prometheus openssl                              # remote write and backfill tests, their certificates
	clang-format                                    # the format check
	clang libclang-rt-14-dev                        # the libFuzzer smoke run
	chromium                                        # the HTML report tested in a real browser
)
missing=()
for package in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
