#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
# Installs it with apt when we are root (CI, containers); otherwise says why browser tests will be skipped.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Debian chromium for the browser tests ..."
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/chromium-install.log 2>&1; then
        exit 0
    fi
    echo "chromium could not be installed (see /tmp/chromium-install.log): browser tests (tests/e2e) will be skipped"
else
    echo "no /usr/bin/chromium and no root apt-get: browser tests (tests/e2e) will be skipped; install it with: sudo apt-get install chromium"
fi
exit 0
