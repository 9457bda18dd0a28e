#!/bin/bash
# `smsgated check-config [FILE]`: "FILE: ok" and exit 0 for a file the daemon would
# start with (the shipped example, an empty file); otherwise one stderr line naming the
# file, and where the loader knows it the line and column, with exit status 1 and
# nothing on stdout.
set -u
smsgated=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

expect_ok() {  # expect_ok NAME FILE
  local out rc
  out=$("$smsgated" check-config "$2" 2>"$tmp/err")
  rc=$?
  if [[ $rc -ne 0 || "$out" != "$2: ok" || -s "$tmp/err" ]]; then
    fail "$1: rc=$rc stdout='$out' stderr='$(cat "$tmp/err")'"
  fi
}

expect_error() {  # expect_error NAME STDERR_SUBSTRING FILE
  local out err rc lines
  out=$("$smsgated" check-config "$3" 2>"$tmp/err")
  rc=$?
  err=$(cat "$tmp/err")
  lines=$(printf '%s\n' "$err" | wc -l)
  if [[ $rc -ne 1 || -n "$out" || "$lines" -ne 1 || "$err" != *"$2"* ]]; then
    fail "$1: rc=$rc lines=$lines stdout='$out' stderr='$err' (wanted: $2)"
  fi
}

expect_ok shipped "$source_dir/etc/smsgate.toml"
: >"$tmp/empty.toml"
expect_ok empty "$tmp/empty.toml"

printf '[modems]\nbaud = 115201\n' >"$tmp/bad-value.toml"
expect_error bad-value "$tmp/bad-value.toml:2:8: [modems] baud 115201" "$tmp/bad-value.toml"
printf '[http]\nlisten = "127.0.0.1:8080"\nlistem = "x"\n' >"$tmp/unknown-key.toml"
expect_error unknown-key "$tmp/unknown-key.toml:3:1:" "$tmp/unknown-key.toml"
grep -q 'did you mean' "$tmp/err" || fail "unknown-key: no suggestion: $(cat "$tmp/err")"
printf '[http\n' >"$tmp/syntax.toml"
expect_error syntax "$tmp/syntax.toml:1:" "$tmp/syntax.toml"
expect_error missing "$tmp/none.toml: cannot open: No such file or directory" "$tmp/none.toml"
# Checked by the daemon at start, not by the loader: the TLS files.
printf '[http]\ntls_certificate = "%s"\ntls_key = "%s"\n' "$tmp/cert.pem" "$tmp/key.pem" \
  >"$tmp/tls.toml"
expect_error tls-missing "tls_certificate: $tmp/cert.pem: cannot be read" "$tmp/tls.toml"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=x \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null &&
  openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/other.pem" 2>/dev/null; then
  expect_ok tls "$tmp/tls.toml"
  printf '[http]\ntls_certificate = "%s"\ntls_key = "%s"\n' "$tmp/cert.pem" "$tmp/other.pem" \
    >"$tmp/tls-mismatch.toml"
  expect_error tls-mismatch "is not the key of the certificate" "$tmp/tls-mismatch.toml"
else
  fail "openssl could not make a test certificate"
fi

exit $((failures > 0))
