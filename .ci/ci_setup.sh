#!/usr/bin/env bash
# Sourced by .ci/run before `make test` (as root, on a Debian machine that may be new).
# Provides what the hub tests need from the system:
#   - Debian's chromium (driven by Playwright as /usr/bin/chromium; Playwright's own download cannot work here)
#   - a PostgreSQL server on loopback with a fresh test database, exported as SAFERKIT_TEST_PG_URL
#   - dosfstools, mtools, ffmpeg and libarchive13 for the seized-media and video tests
#   - FFmpeg's development headers for the reference vpdq build, and CJK fonts for the hub's pages
# Tests marked `postgres` / `browser` fail rather than skip when SAFERKIT_REQUIRE_SYSTEM_TESTS=1 (set here) or CI=true.
# Any failure here stops the CI run (it is sourced under `set -euo pipefail`).

saferkit_ci_apt_install() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  # seized-media tests: FAT images built without mounting, the ffmpeg decoder as the video benchmark's floor,
  # and the libarchive shared library that libarchive-c loads
  command -v mkfs.vfat >/dev/null 2>&1 || missing+=(dosfstools)
  command -v mcopy >/dev/null 2>&1 || missing+=(mtools)
  command -v ewfacquire >/dev/null 2>&1 || missing+=(ewf-tools)  # writes the synthetic drive's E01
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  ldconfig -p | grep -q 'libarchive\.so' || missing+=(libarchive13)
  # the reference vPDQ (dev extra) builds from source against FFmpeg's libraries
  pkg-config --exists libavcodec libavformat libavdevice libavfilter libswscale libswresample 2>/dev/null \
    || missing+=(pkg-config cmake g++ libavcodec-dev libavformat-dev libavdevice-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev)
  # Chinese glyphs on the hub's pages (browser tests and screenshots)
  fc-list 2>/dev/null | grep -qi 'noto.*cjk' || missing+=(fonts-noto-cjk)
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci_setup: ${missing[*]} missing and apt-get is not available; install them by hand" >&2
    return 1
  fi
  echo "ci_setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

saferkit_ci_start_postgres() {
  local version port
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${version} main"; then
    pg_createcluster "${version}" main >/dev/null
  fi
  # loopback only
  pg_conftool "${version}" main set listen_addresses 'localhost' >/dev/null
  if ! pg_lsclusters -h | awk -v v="${version}" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "${version}" main start
  fi
  port=$(pg_lsclusters -h | awk -v v="${version}" '$1==v && $2=="main" {print $3}')
  local user=saferkit password=saferkit-ci db=saferkit_test
  runuser -u postgres -- psql -q -p "${port}" -v ON_ERROR_STOP=1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN
    CREATE ROLE ${user} LOGIN PASSWORD '${password}';
  ELSE
    ALTER ROLE ${user} LOGIN PASSWORD '${password}';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS ${db} WITH (FORCE);
CREATE DATABASE ${db} OWNER ${user};
SQL
  export SAFERKIT_TEST_PG_URL="postgresql+psycopg://${user}:${password}@127.0.0.1:${port}/${db}"
  echo "ci_setup: PostgreSQL ${version} on 127.0.0.1:${port}, test database ${db}"
}

saferkit_ci_apt_install
saferkit_ci_start_postgres
export SAFERKIT_REQUIRE_SYSTEM_TESTS=1
echo "ci_setup: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
