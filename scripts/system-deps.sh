#!/usr/bin/env bash
# Installs the Debian packages the system tier needs (scripts/test-system.sh, .ci/run).
# Idempotent: packages already installed (dpkg -s) are skipped; `apt-get update` runs at most once,
# and only when something is missing. Services are not started by the packages' postinst scripts:
# the tests start their own throwaway servers.
#
# Usage: bash scripts/system-deps.sh            (as root, or with sudo available)
#        SYSTEM_DEPS_DRY_RUN=1 bash scripts/system-deps.sh   (print what is missing, install nothing)
set -euo pipefail

# Core of the system tier: real PostgreSQL for the integration and system suites, Chromium and a font
# for the Playwright suite.
CORE_PACKAGES=(
  postgresql
  chromium
  fonts-liberation
  openssl # test CAs and SBC certificates (health tests, the e2e world's SBC, the sandbox's SIP/TLS listener)
)

# Telephony and DNS tooling the later system tests use (DNS zone checks, SIP trunk probes).
# Add further packages here; nothing else in this script needs to change.
TELEPHONY_PACKAGES=(
  bind9
  bind9-dnsutils
  kamailio
  kamailio-tls-modules # tls.so: the Kamailio SBC's Teams side (deploy/kamailio, test/system/kamailio-sip.test.ts)
  sip-tester           # sipp, the PSTN carrier and Microsoft in the Kamailio SIP proof
)

PACKAGES=("${CORE_PACKAGES[@]}" "${TELEPHONY_PACKAGES[@]}")

log() { printf '[system-deps] %s\n' "$*"; }

if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  log "must run as root (or with sudo) to install: ${PACKAGES[*]}" >&2
  exit 1
fi

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if is_installed "$pkg"; then
    log "ok       $pkg ($(dpkg-query -W -f='${Version}' "$pkg"))"
  else
    log "missing  $pkg"
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} packages present; nothing to do"
  exit 0
fi

if [[ -n ${SYSTEM_DEPS_DRY_RUN:-} ]]; then
  log "dry run: would install ${missing[*]}"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# Keep the packages' init scripts from starting daemons (PostgreSQL on 5432, named on 53, Kamailio on
# 5060) on the CI machine: policy-rc.d exit code 101 means "action forbidden". Only a policy file this
# script created is removed again.
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [[ $created_policy -eq 1 ]]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [[ ! -e $POLICY ]]; then
  printf '#!/bin/sh\n# Temporary, written by trunkline scripts/system-deps.sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 0755 "$POLICY"
  created_policy=1
fi

started=$SECONDS
log "apt-get update"
"${SUDO[@]}" apt-get update -qq
log "apt-get install ${missing[*]}"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! is_installed "$pkg"; then
    log "FAILED: $pkg is still not installed" >&2
    exit 1
  fi
done
log "installed ${#missing[@]} package(s) in $((SECONDS - started))s"
