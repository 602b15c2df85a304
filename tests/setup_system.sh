#!/usr/bin/env bash
# Installs the Debian packages the tests need (chromium for browser tests,
# poppler-utils for PDF checks, fonts, LibreOffice Writer to open exported .docx
# files in a real office suite), when they are missing and we may install.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
    echo "Could not install ${need[*]}"; [ "${CI:-}" = "true" ] && exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "NOTE: missing system packages (${need[*]}); tests that need them will be skipped and say why."
  [ "${CI:-}" = "true" ] && { echo "Under CI nothing may be skipped."; exit 1; }
fi
exit 0
