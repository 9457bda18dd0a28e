#!/bin/bash
# udev's own parser on udev/*.rules: `udevadm test` reads every rules file and names
# each line it refuses. It reads only the system's rules directories, so the files are
# put in place of /etc/udev/rules.d inside a private mount namespace; that needs root
# and unshare, and the test is skipped (77) without them. No udevd is needed.
set -u
rules_dir=$1
command -v udevadm >/dev/null && command -v unshare >/dev/null || { echo "SKIP no udevadm/unshare"; exit 77; }
[[ $(id -u) -eq 0 && -d /etc/udev/rules.d ]] || { echo "SKIP needs root"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$rules_dir"/*.rules "$tmp"/

check() {  # check DIR: udevadm's complaints about the files in DIR
  unshare -m sh -c 'mount --bind "$1" /etc/udev/rules.d && udevadm test --action=add /sys/class/tty/tty 2>&1' \
    sh "$1" | grep -E "^/etc/udev/rules.d/[^ ]+:[0-9]+ "
}

if ! unshare -m true 2>/dev/null; then echo "SKIP unshare -m refused"; exit 77; fi

# The checker itself must see a bad line, or its silence means nothing.
mkdir "$tmp/bad"
echo 'ATTRS{idVendor}="12d1"' >"$tmp/bad/99-bad.rules"
if [[ -z "$(check "$tmp/bad")" ]]; then
  echo "FAIL udevadm did not report a bad rule; cannot check"
  exit 1
fi

complaints=$(check "$tmp")
if [[ -n "$complaints" ]]; then
  echo "FAIL udevadm refuses lines:"
  echo "$complaints"
  exit 1
fi
echo "ok: udevadm reads $(ls "$rules_dir"/*.rules | wc -l) rules file(s) without complaint"
