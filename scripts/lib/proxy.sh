# Sourced by scripts/test: installs tinyproxy (Debian's package), the real HTTP proxy the
# proxy tests start on loopback, when it is missing. The package's own service is not
# started (the tests run their own instances with their own configuration). Without root
# or apt the tests skip with a message; in CI (CI=true) that skip fails the run.
if ! command -v tinyproxy > /dev/null 2>&1 && [ ! -x /usr/bin/tinyproxy ]; then
  if command -v apt-get > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== installing tinyproxy (the proxy the proxy tests run on loopback)"
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
    fi
    { apt-get install -y -q tinyproxy > /dev/null 2>&1 \
      || { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q tinyproxy > /dev/null 2>&1; }; } \
      || echo "tinyproxy could not be installed: the proxy tests will skip"
    if [ -n "$made_policy" ]; then rm -f "$policy"; fi
  else
    echo "tinyproxy is missing and cannot be installed here (needs root and apt-get): the proxy tests will skip"
  fi
fi
