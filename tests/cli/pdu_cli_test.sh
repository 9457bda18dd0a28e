#!/bin/bash
# `smsgated pdu encode|decode` as DESIGN.md specifies: exact output for published
# vectors, one stderr line and exit status 1 (nothing on stdout) for bad input.
set -u
smsgated=$1
failures=0

expect_out() {  # expect_out NAME EXPECTED -- ARGS...
  local name=$1 expected=$2
  shift 3
  local out err rc
  out=$("$smsgated" "$@" 2>/tmp/smsgate_cli_err.$$)
  rc=$?
  err=$(cat /tmp/smsgate_cli_err.$$)
  if [[ $rc -ne 0 || "$out" != "$expected" || -n "$err" ]]; then
    echo "FAIL $name: rc=$rc"
    echo "  expected: $expected"
    echo "  got:      $out"
    [[ -n "$err" ]] && echo "  stderr:   $err"
    failures=$((failures + 1))
  fi
}

expect_error() {  # expect_error NAME STDERR_SUBSTRING -- ARGS...
  local name=$1 needle=$2
  shift 3
  local out err rc
  out=$("$smsgated" "$@" 2>/tmp/smsgate_cli_err.$$)
  rc=$?
  err=$(cat /tmp/smsgate_cli_err.$$)
  local lines
  lines=$(printf '%s\n' "$err" | wc -l)
  if [[ $rc -ne 1 || -n "$out" || "$lines" -ne 1 || "$err" != *"$needle"* ]]; then
    echo "FAIL $name: rc=$rc lines=$lines"
    echo "  stdout: $out"
    echo "  stderr: $err (wanted: $needle)"
    failures=$((failures + 1))
  fi
}

# The SMS-SUBMIT example of the widely cited "SMS and the PDU format" tutorial
# (dreamfabric.com/sms): "hellohello" to +46708251358, TP-VP 0xAA (4 days).
expect_out submit.hellohello \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"0011000B916407281553F80000AA0AE8329BFD4697D9EC37","tpdu_length":23}' \
  -- pdu encode --to +46708251358 --text hellohello --validity 5760

# Same tutorial, its SMS-DELIVER example (SMSC +27381000015, SCTS 99-03-29 15:16:59 +02:00).
expect_out deliver.hellohello \
  '{"type":"deliver","smsc":"+27381000015","encoding":"gsm7","from":"27838890001","timestamp":"2099-03-29T15:16:59+02:00","text":"hellohello","concat":null}' \
  -- pdu decode 07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37

expect_out submit.decode.no-smsc \
  '{"type":"submit","smsc":null,"encoding":"gsm7","to":"+46708251358","reference":0,"srr":false,"validity_minutes":5760,"text":"hellohello","concat":null}' \
  -- pdu decode --no-smsc 11000B916407281553F80000AA0AE8329BFD4697D9EC37

# Bare TPDU without --no-smsc: the SMSC reading fails, the bare reading is tried.
expect_out submit.decode.fallback \
  '{"type":"submit","smsc":null,"encoding":"gsm7","to":"+46708251358","reference":0,"srr":false,"validity_minutes":5760,"text":"hellohello","concat":null}' \
  -- pdu decode 11000B916407281553F80000AA0AE8329BFD4697D9EC37

# Empty text: one part with no user data. --srr sets TP-SRR (0x20), national number type 0x81.
expect_out submit.empty \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"00210004811032000000","tpdu_length":9}' \
  -- pdu encode --to 0123 --text '' --srr

# Extension table: '€' costs two septets (1B 65, packed 9B 32).
expect_out submit.euro \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"00010005912143F50000029B32","tpdu_length":12}' \
  -- pdu encode --to +12345 --text '€'

# UCS-2 for Cyrillic, with the emoji as a surrogate pair.
expect_out submit.ucs2 \
  '{"part":1,"parts":1,"encoding":"ucs2","pdu":"00010005912143F500080E04220435044104420020D83DDE00","tpdu_length":24}' \
  -- pdu encode --to +12345 --text 'Тест 😀'

# --encoding ucs2 on plain text; --encoding gsm7 on text it cannot carry is an error.
expect_out submit.forced-ucs2 \
  '{"part":1,"parts":1,"encoding":"ucs2","pdu":"00010005912143F5000802004F","tpdu_length":12}' \
  -- pdu encode --to +12345 --text 'O' --encoding ucs2
expect_error encode.gsm7-refused "not in the GSM 7-bit alphabet" \
  -- pdu encode --to +12345 --text 'Тест' --encoding gsm7

# Alphanumeric recipient, type 0xD0.
expect_out submit.alphanumeric \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"0001000BD0C7F7FBCC2E03000002CF35","tpdu_length":15}' \
  -- pdu encode --to Google --text Ok

# Two parts with an 8-bit reference, then with --ref16.
out=$("$smsgated" pdu encode --to +12345 --text "$(printf 'a%.0s' $(seq 1 161))" --reference 258)
[[ $(printf '%s\n' "$out" | wc -l) -eq 2 && "$out" == *'"part":2,"parts":2'* && "$out" == *'0500030202'* ]] \
  || { echo "FAIL concat8: $out"; failures=$((failures + 1)); }
out=$("$smsgated" pdu encode --to +12345 --text "$(printf 'a%.0s' $(seq 1 161))" --reference 258 --ref16)
[[ "$out" == *'060804010202'* ]] || { echo "FAIL concat16: $out"; failures=$((failures + 1)); }

# Every part of a long encode decodes back with its concat fields.
part2=$("$smsgated" pdu encode --to +12345 --text "$(printf 'b%.0s' $(seq 1 300))" --reference 9 \
  | sed -n 2p | sed 's/.*"pdu":"\([0-9A-F]*\)".*/\1/')
expect_out concat.decode \
  "{\"type\":\"submit\",\"smsc\":null,\"encoding\":\"gsm7\",\"to\":\"+12345\",\"reference\":0,\"srr\":false,\"validity_minutes\":null,\"text\":\"$(printf 'b%.0s' $(seq 1 147))\",\"concat\":{\"ref\":9,\"part\":2,\"total\":2,\"ref_bits\":8}}" \
  -- pdu decode "$part2"

# Turkish national shift tables only with --language: single shift IE 24 01 01, then 1B 67.
expect_out submit.turkish.default \
  '{"part":1,"parts":1,"encoding":"ucs2","pdu":"00010005912143F5000802011F","tpdu_length":12}' \
  -- pdu encode --to +12345 --text 'ğ'
expect_out submit.turkish \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"00410005912143F500000703240101D89C01","tpdu_length":17}' \
  -- pdu encode --to +12345 --text 'ğ' --language tr

# Transliteration: the curly apostrophe no longer forces UCS-2.
expect_out submit.transliterate \
  '{"part":1,"parts":1,"encoding":"gsm7","pdu":"00010005912143F5000004E4D3BB0E","tpdu_length":14}' \
  -- pdu encode --to +12345 --text 'd’ou' --transliterate

# Status report: delivered (TP-ST 00).
expect_out status-report.delivered \
  '{"type":"status-report","smsc":"+4917001","encoding":"gsm7","reference":42,"recipient":"+4915123456789","timestamp":"2026-11-23T10:15:00+01:00","discharge_time":"2026-11-23T10:15:07+01:00","status":{"code":0,"class":"delivered","meaning":"short message received by the SME"}}' \
  -- pdu decode 0591947100F1062A0D91945121436587F9621132015100406211320151704000

# Surrounding whitespace (a line end pasted from a log) is ignored.
expect_out deliver.whitespace \
  '{"type":"deliver","smsc":"+27381000015","encoding":"gsm7","from":"27838890001","timestamp":"2099-03-29T15:16:59+02:00","text":"hellohello","concat":null}' \
  -- pdu decode "  07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37
"

# Bad input: one line on stderr, exit 1, nothing on stdout.
expect_error decode.empty "no PDU given" -- pdu decode " "
expect_error decode.inner-space "not a hex digit" -- pdu decode "0791 72830"
expect_error decode.odd-hex "odd number of hex digits" -- pdu decode 0011A
expect_error decode.not-hex "not a hex digit" -- pdu decode 00ZZ
expect_error decode.truncated "truncated" -- pdu decode 0011000B9164
expect_error decode.udl-lies "TP-UDL says" -- pdu decode --no-smsc 11000B916407281553F80000AA0FE8329BFD4697D9EC37
expect_error decode.bad-semi-octet "bad semi-octet" -- pdu decode 07917283010010F5040BC87238880900F100009930925161A5800AE8329BFD4697D9EC37
expect_error encode.bad-number "not a digit" -- pdu encode --to +49x12 --text hi
expect_error encode.separators "separator ' ' at position 4" -- pdu encode --to "030 1234" --text hi
expect_error encode.validity "validity" -- pdu encode --to +4912 --text hi --validity 9999999
expect_error encode.language "unknown language" -- pdu encode --to +4912 --text hi --language xx
expect_error encode.no-text "--text is required" -- pdu encode --to +4912

rm -f /tmp/smsgate_cli_err.$$
if [[ $failures -ne 0 ]]; then
  echo "$failures CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
