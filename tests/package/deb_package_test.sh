#!/bin/bash
# The Debian package on this machine, with dpkg: packaged from an existing build tree by
# CPack (nothing compiled again), lintian-clean, installed (user, modes, conffile, unit,
# udev rules, the maintainer scripts' effects and message), upgraded over a database of
# the previous schema and an edited conffile, removed (data and user kept) and purged
# (both gone). Needs root and dpkg; leaves the machine as it found it.
# Usage: deb_package_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 source=$2
failures=0

fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
skip() {
  echo "SKIP: $*"
  exit 77
}

[[ $(id -u) -eq 0 ]] || skip "installs a package: run as root"
for tool in dpkg dpkg-deb cpack lintian sqlite3 python3 runuser; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
# One package test at a time on a machine (dpkg's lock would fail the second).
exec 9>/tmp/smsgate-package-test.lock
flock -w 300 9 || skip "another package test held the lock for 5 minutes"
if dpkg-query -W -f='${Status}' smsgate 2>/dev/null | grep -qv 'not-installed'; then
  skip "a smsgate package is installed here; the test would replace it"
fi
if getent passwd smsgate >/dev/null || [[ -e /var/lib/smsgate || -e /etc/smsgate ]]; then
  skip "user smsgate, /var/lib/smsgate or /etc/smsgate exists; the test would remove it"
fi

tmp=$(mktemp -d)
cleanup() {
  dpkg -P smsgate >/dev/null 2>&1
  rm -rf /var/lib/smsgate /etc/smsgate
  getent passwd smsgate >/dev/null && deluser --quiet --system smsgate >/dev/null 2>&1
  getent group smsgate >/dev/null && delgroup --quiet --system smsgate >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# Package the build tree as it is.
stamp=$(stat -c %Y "$build/smsgated")
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  fail "cpack"
  exit 1
fi
[[ $(stat -c %Y "$build/smsgated") == "$stamp" ]] || fail "cpack rebuilt smsgated"
version=$(sed -n -E '1s/^smsgate \(([^)]+)\).*/\1/p' "$source/packaging/deb/changelog")
deb=$tmp/out/smsgate_${version}_$(dpkg --print-architecture).deb
[[ -f "$deb" ]] || { fail "no $deb; cpack wrote: $(ls "$tmp/out")"; exit 1; }

# lintian: no error and no warning it was not told about (packaging/deb/lintian-overrides).
if ! lintian --fail-on error,warning "$deb" >"$tmp/lintian.log" 2>&1; then
  fail "lintian: $(grep -E '^[EW]:' "$tmp/lintian.log" | head -n 20)"
fi

depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" == *libc6* && "$depends" == *libssl3* && "$depends" == *adduser* ]] ||
  fail "Depends: '$depends'"

# Install.
if ! dpkg -i "$deb" </dev/null >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  fail "dpkg -i"
  exit 1
fi
grep -q 'http://127.0.0.1:8080/' "$tmp/install.log" || fail "install: no admin URL: $(cat "$tmp/install.log")"
grep -q 'sudo -u smsgate smsgated admin-password reset' "$tmp/install.log" ||
  fail "install: no admin password command: $(cat "$tmp/install.log")"

mode_of() { stat -c '%U:%G %a' "$1" 2>&1; }
[[ $(mode_of /var/lib/smsgate) == "smsgate:smsgate 700" ]] ||
  fail "/var/lib/smsgate: $(mode_of /var/lib/smsgate)"
[[ $(mode_of /usr/sbin/smsgated) == "root:root 755" ]] || fail "smsgated: $(mode_of /usr/sbin/smsgated)"
/usr/sbin/smsgated pdu encode --to +4917012345678 --text hi >/dev/null 2>"$tmp/err" ||
  fail "the installed smsgated does not run: $(cat "$tmp/err")"
for library in libssl.so libcrypto.so; do
  [[ -f /usr/lib/smsgate/$library ]] || fail "no /usr/lib/smsgate/$library"
done
cmp -s /etc/smsgate/smsgate.toml "$source/etc/smsgate.toml" || fail "/etc/smsgate/smsgate.toml differs from etc/smsgate.toml"
[[ $(mode_of /etc/smsgate/smsgate.toml) == "root:smsgate 640" ]] ||
  fail "smsgate.toml: $(mode_of /etc/smsgate/smsgate.toml)"
dpkg-query -W -f='${Conffiles}\n' smsgate | grep -q '^ /etc/smsgate/smsgate.toml ' ||
  fail "smsgate.toml is not a conffile"
files=$(dpkg -L smsgate)
unit=$(grep '/systemd/system/smsgated.service$' <<<"$files")
[[ -n "$unit" ]] && cmp -s "$unit" "$source/systemd/smsgated.service" || fail "unit: '$unit'"
for unit_file in "$source"/systemd/*.service "$source"/systemd/*.timer; do
  name=$(basename "$unit_file")
  installed=$(grep "/systemd/system/$name\$" <<<"$files")
  [[ -n "$installed" ]] && cmp -s "$installed" "$unit_file" || fail "unit $name not installed"
done
for rules in "$source"/udev/*.rules; do
  [[ -e "$rules" ]] || continue
  name=$(basename "$rules")
  installed=$(grep "/udev/rules.d/$name\$" <<<"$files")
  [[ -n "$installed" ]] && cmp -s "$installed" "$rules" || fail "udev rules $name not installed"
done
for doc in copyright changelog.Debian.gz; do
  [[ -f /usr/share/doc/smsgate/$doc ]] || fail "no /usr/share/doc/smsgate/$doc"
done
[[ $(getent passwd smsgate | cut -d: -f6) == /var/lib/smsgate ]] ||
  fail "user smsgate: $(getent passwd smsgate)"
id -nG smsgate | grep -qw dialout || fail "smsgate not in dialout: $(id -nG smsgate)"
[[ -L /etc/systemd/system/multi-user.target.wants/smsgated.service ]] || fail "the unit was not enabled"

# Upgrade over a database of the previous schema and an edited conffile.
old=$(python3 "$source/tests/package/old_schema_db.py" "$source" /var/lib/smsgate/smsgate.db) ||
  fail "no old-schema database"
latest=$(sed -n -E 's/.*kSchemaVersion = ([0-9]+);.*/\1/p' "$source/src/store/schema.h")
chown smsgate:smsgate /var/lib/smsgate/smsgate.db
chmod 0600 /var/lib/smsgate/smsgate.db
sed -i 's/^listen = "127.0.0.1:8080"$/listen = "127.0.0.1:8090"/' /etc/smsgate/smsgate.toml
grep -q '^listen = "127.0.0.1:8090"$' /etc/smsgate/smsgate.toml || fail "the conffile edit did not take"
if ! dpkg -i "$deb" </dev/null >"$tmp/upgrade.log" 2>&1; then
  cat "$tmp/upgrade.log"
  fail "dpkg -i (upgrade)"
fi
grep -q "at schema version $latest (migrated from $old)" "$tmp/upgrade.log" ||
  fail "upgrade: no migration from $old to $latest: $(cat "$tmp/upgrade.log")"
[[ $(sqlite3 /var/lib/smsgate/smsgate.db 'PRAGMA user_version') == "$latest" ]] ||
  fail "database at $(sqlite3 /var/lib/smsgate/smsgate.db 'PRAGMA user_version'), wanted $latest"
[[ $(sqlite3 /var/lib/smsgate/smsgate.db 'SELECT text FROM messages') == "Ihr Termin: morgen 10:00" ]] ||
  fail "the message did not survive the migration"
for file in /var/lib/smsgate/*; do
  [[ $(stat -c %U "$file") == smsgate ]] || fail "$file: $(mode_of "$file") after the upgrade"
done
grep -q '^listen = "127.0.0.1:8090"$' /etc/smsgate/smsgate.toml || fail "upgrade lost the conffile edit"
[[ $(mode_of /etc/smsgate/smsgate.toml) == "root:smsgate 640" ]] ||
  fail "smsgate.toml after the upgrade: $(mode_of /etc/smsgate/smsgate.toml)"
grep -q 'http://127.0.0.1:8090/' "$tmp/upgrade.log" || fail "upgrade: the URL is not the edited one"

# Remove: the program goes, the data, the settings and the user stay.
dpkg -r smsgate </dev/null >"$tmp/remove.log" 2>&1 || fail "dpkg -r: $(cat "$tmp/remove.log")"
[[ ! -e /usr/sbin/smsgated ]] || fail "remove left /usr/sbin/smsgated"
[[ -f /var/lib/smsgate/smsgate.db ]] || fail "remove deleted the database"
[[ -f /etc/smsgate/smsgate.toml ]] || fail "remove deleted the settings"
getent passwd smsgate >/dev/null || fail "remove deleted the user"

# Purge: nothing of it stays.
dpkg -P smsgate </dev/null >"$tmp/purge.log" 2>&1 || fail "dpkg -P: $(cat "$tmp/purge.log")"
for path in /var/lib/smsgate /etc/smsgate /etc/systemd/system/multi-user.target.wants/smsgated.service; do
  [[ ! -e "$path" && ! -L "$path" ]] || fail "purge left $path"
done
getent passwd smsgate >/dev/null && fail "purge left the user"
getent group smsgate >/dev/null && fail "purge left the group"
dpkg-query -W -f='${Status}' smsgate 2>/dev/null | grep -qv 'not-installed' && fail "purge left the package known to dpkg"

if [[ $failures -ne 0 ]]; then
  echo "$failures package check(s) failed"
  exit 1
fi
echo "package $(basename "$deb") installed, upgraded from schema $old, removed and purged"
