#!/bin/bash
# `smsgated check-config [FILE]`: "FILE: ok" and exit 0 for a file the daemon would
# start with (the shipped example, an empty file); otherwise one stderr line naming the
# file, and where the loader knows it the line and column, with exit status 1 and
# nothing on stdout.
source "$(dirname "$0")/lib.sh"
source_dir=$(cd "$(dirname "$0")/../.." && pwd)

expect_ok() {  # expect_ok NAME FILE
  local out rc
  out=$("$smsgated" check-config "$2" 2>"$tmp/err")
  rc=$?
  if [[ $rc -ne 0 || "$out" != "$2: ok" || -s "$tmp/err" ]]; then
    fail "$1: rc=$rc stdout='$out' stderr='$(cat "$tmp/err")'"
  fi
}

expect_ok shipped "$source_dir/etc/smsgate.toml"
: >"$tmp/empty.toml"
expect_ok empty "$tmp/empty.toml"

printf '[modems]\nbaud = 115201\n' >"$tmp/bad-value.toml"
expect_error bad-value "$tmp/bad-value.toml:2:8: [modems] baud 115201" -- check-config "$tmp/bad-value.toml"
printf '[http]\nlisten = "127.0.0.1:8080"\nlistem = "x"\n' >"$tmp/unknown-key.toml"
expect_error unknown-key "$tmp/unknown-key.toml:3:1:" -- check-config "$tmp/unknown-key.toml"
grep -q 'did you mean' "$tmp/err" || fail "unknown-key: no suggestion: $(cat "$tmp/err")"
printf '[http\n' >"$tmp/syntax.toml"
expect_error syntax "$tmp/syntax.toml:1:" -- check-config "$tmp/syntax.toml"
expect_error missing "$tmp/none.toml: cannot open: No such file or directory" -- check-config "$tmp/none.toml"
# Checked by the daemon at start, not by the loader: the TLS files.
printf '[http]\ntls_certificate = "%s"\ntls_key = "%s"\n' "$tmp/cert.pem" "$tmp/key.pem" \
  >"$tmp/tls.toml"
expect_error tls-missing "tls_certificate: $tmp/cert.pem: cannot be read" -- check-config "$tmp/tls.toml"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=x \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null &&
  openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/other.pem" 2>/dev/null; then
  expect_ok tls "$tmp/tls.toml"
  printf '[http]\ntls_certificate = "%s"\ntls_key = "%s"\n' "$tmp/cert.pem" "$tmp/other.pem" \
    >"$tmp/tls-mismatch.toml"
  expect_error tls-mismatch "is not the key of the certificate" -- check-config "$tmp/tls-mismatch.toml"
else
  fail "openssl could not make a test certificate"
fi

exit $((failures > 0))
