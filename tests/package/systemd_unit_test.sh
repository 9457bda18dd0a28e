#!/bin/bash
# systemd/smsgated.service: `systemd-analyze verify` finds nothing to say about it, it
# starts `smsgated run`, every smsgated subcommand it names exists, and
# `systemd-analyze security` rates its exposure at most $max_exposure ("OK" or
# better), the number README.md quotes.
# Usage: systemd_unit_test.sh SMSGATED UNIT README
set -u
smsgated=$(realpath "$1") unit=$2 readme=$3
max_exposure=2.0
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed"
  exit 77
fi

# verify: the unit as installed, its /usr/sbin/smsgated pointed at the built binary
# (verify checks that each command exists). It exits 0 even for an unknown key or a bad
# value, only saying so, so anything it says is a failure.
verify() {  # verify FILE: systemd-analyze's complaints, empty when none
  systemd-analyze verify --man=no "$1" 2>&1
  echo "rc=$?" | grep -v '^rc=0$'
}
mkdir "$tmp/unit"
sed "s|/usr/sbin/smsgated|$smsgated|g" "$unit" >"$tmp/unit/smsgated.service"
said=$(verify "$tmp/unit/smsgated.service")
[[ -z "$said" ]] || fail "systemd-analyze verify: $said"

# The check above can fail: a misspelt value in a copy is caught.
mkdir "$tmp/broken"
sed 's/^Type=notify$/Type=notfy/' "$tmp/unit/smsgated.service" >"$tmp/broken/smsgated.service"
said=$(verify "$tmp/broken/smsgated.service")
[[ "$said" == *notfy* ]] || fail "verify missed a bad Type=: '$said'"

# Every smsgated command line of the unit names a subcommand the binary has.
# (An unknown one would print the top-level help, so the usage line is what tells.)
while read -r subcommand; do
  "$smsgated" "$subcommand" --help 2>&1 | grep -q "^Usage: smsgated $subcommand " ||
    fail "$unit runs 'smsgated $subcommand', which the binary does not know"
done < <(sed -n -E 's|^Exec[A-Za-z]*=[-@:+!]*/usr/sbin/smsgated ([a-z-]+).*|\1|p' "$unit")
grep -q '^ExecStart=/usr/sbin/smsgated run ' "$unit" || fail "no ExecStart running smsgated run"

# The exposure: systemd-analyze's own threshold (0-100, ten times the printed level)
# and the printed level and word.
report=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1)
rc=$?
[[ $rc -eq 0 ]] || fail "systemd-analyze security --threshold=20: rc=$rc"
overall=$(printf '%s\n' "$report" | sed -n -E 's/.*Overall exposure level for smsgated.service: ([0-9.]+) ([A-Z]+).*/\1 \2/p')
read -r exposure rating <<<"$overall"
if [[ -z "${exposure:-}" ]]; then
  fail "no overall exposure in: $(printf '%s\n' "$report" | tail -n2)"
else
  awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' ||
    fail "exposure $exposure $rating, wanted at most $max_exposure"
  [[ "$rating" == OK || "$rating" == SAFE ]] || fail "rated $rating, wanted OK or SAFE"
  grep -q "exposure $exposure" "$readme" ||
    fail "README.md does not quote the exposure $exposure (\"exposure $exposure\")"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures unit check(s) failed"
  exit 1
fi
echo "unit verified; exposure $exposure $rating"
