#!/usr/bin/env bash
# The system packages `make test` needs beside the venv: Debian's Chromium and a CJK font for the
# browser tests (tests/web/test_browser.py; without the font every Chinese character renders as a
# box); systemd-analyze (tests/unit/test_systemd_units.py), sqlite3 and pg_dump/pg_restore
# (tests/integration/test_backup.py). Installed only when missing (quick when present), as root or with sudo. Never
# `playwright install`. When they cannot be installed: one line saying so; under CI=true exit 1.
set -euo pipefail

font_present() {
  local fonts
  fonts=$(fc-list 2>/dev/null || true)  # captured, not piped into grep -q: no SIGPIPE under pipefail
  grep -qi wqy <<<"$fonts"
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
font_present || missing+=(fonts-wqy-microhei fontconfig)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
[ "${#missing[@]}" -eq 0 ] && exit 0

cannot() {
  echo "无法安装 / cannot install ${missing[*]} for the tests: $1" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0  # outside CI the tests that need them are then skipped, saying what is missing
}

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else cannot "not root and no sudo"; fi
fi
command -v apt-get >/dev/null 2>&1 || cannot "no apt-get (not Debian)"
echo "安装 / installing ${missing[*]} for the tests" >&2
apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o Dpkg::Use-Pty=0)
"${apt_get[@]}" update >/dev/null 2>&1 || cannot "apt-get update failed"
"${apt_get[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || cannot "apt-get install failed"
