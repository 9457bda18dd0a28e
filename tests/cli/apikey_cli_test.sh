#!/bin/bash
# `smsgated apikey create|list|revoke` (and `admin-password reset`) as DESIGN.md specifies: the new key alone on the
# last line of stdout (so `| tail -n1` takes it), the database from the configuration's
# [storage] path or --db, errors as one stderr line with exit status 1 and no stdout;
# scopes with --scope (repeated or a comma list; send,read by default).
source "$(dirname "$0")/lib.sh"

key_pattern='^sgk_[A-Za-z0-9_-]{43}$'

# Through the configuration file's [storage] path.
cat >"$tmp/smsgate.toml" <<EOF
[storage]
path = "$tmp/smsgate.db"
EOF
out=$("$smsgated" apikey create --name shop --config "$tmp/smsgate.toml" 2>"$tmp/err")
KEY=$(printf '%s\n' "$out" | tail -n1)
[[ "$out" == *"with scopes send,read."* ]] || fail "create: the default scopes not said: '$out'"
[[ $KEY =~ $key_pattern ]] || fail "create: last line '$KEY' is not a key"
[[ -s "$tmp/err" ]] && fail "create: stderr '$(cat "$tmp/err")'"
[[ -f "$tmp/smsgate.db" ]] || fail "create: no database at the configured path"

# Through --db, on the same file; a second key differs from the first.
KEY2=$("$smsgated" apikey create --name "Praxis Müller" --db "$tmp/smsgate.db" | tail -n1)
[[ $KEY2 =~ $key_pattern ]] || fail "create --db: last line '$KEY2' is not a key"
[[ "$KEY" != "$KEY2" ]] || fail "create: the same key twice"

list=$("$smsgated" apikey list --db "$tmp/smsgate.db")
[[ $? -eq 0 ]] || fail "list: failed"
[[ "$list" == *shop* && "$list" == *"Praxis Müller"* ]] || fail "list: '$list'"
[[ "$list" != *"$KEY"* && "$list" != *"${KEY#sgk_}"* ]] || fail "list shows a key"

json=$("$smsgated" apikey list --json --config "$tmp/smsgate.toml")
expected='[{"created_at":"*","id":1,"last_used_at":null,"name":"shop","revoked_at":null,"scopes":["send","read"]},{"created_at":"*","id":2,"last_used_at":null,"name":"Praxis Müller","revoked_at":null,"scopes":["send","read"]}]'
# created_at varies: compare with it blanked out.
blanked=$(printf '%s' "$json" | sed -E 's/"created_at":"[^"]*"/"created_at":"*"/g')
[[ "$blanked" == "$expected" ]] || fail "list --json: '$json'"

out=$("$smsgated" apikey revoke 1 --db "$tmp/smsgate.db")
[[ $? -eq 0 && "$out" == *"Revoked API key 1"* ]] || fail "revoke: '$out'"
json=$("$smsgated" apikey list --json --db "$tmp/smsgate.db")
[[ "$json" =~ \"id\":1,\"last_used_at\":null,\"name\":\"shop\",\"revoked_at\":\"[0-9T:Z-]+\",\"scopes\":\[\"send\",\"read\"\] ]] ||
  fail "revoke: not shown as revoked: '$json'"

expect_error revoke.again "no live API key 1" -- apikey revoke 1 --db "$tmp/smsgate.db"
expect_error revoke.unknown "no live API key 99" -- apikey revoke 99 --db "$tmp/smsgate.db"
expect_error revoke.not-a-number "id" -- apikey revoke one --db "$tmp/smsgate.db"
expect_error create.no-name "--name is required" -- apikey create --db "$tmp/smsgate.db"
expect_error create.empty-name "name: empty" -- apikey create --name "" --db "$tmp/smsgate.db"
expect_error create.long-name "name: longer than 100" -- \
  apikey create --name "$(printf 'x%.0s' {1..101})" --db "$tmp/smsgate.db"
expect_error create.no-config "$tmp/missing.toml" -- \
  apikey create --name shop --config "$tmp/missing.toml"
printf '[storage]\npaht = "x"\n' >"$tmp/bad.toml"
expect_error create.bad-config "bad.toml:2" -- apikey create --name shop --config "$tmp/bad.toml"
expect_error create.no-directory "$tmp/nowhere" -- \
  apikey create --name shop --db "$tmp/nowhere/smsgate.db"
expect_error no-subcommand "subcommand" -- apikey

expect_error create.unknown-scope 'unknown scope "teleport"' -- \
  apikey create --name shop --scope send,teleport --db "$tmp/smsgate.db"
expect_error create.upper-case-scope 'unknown scope "Send"' -- \
  apikey create --name shop --scope Send --db "$tmp/smsgate.db"

# The failed attempts created nothing.
count=$("$smsgated" apikey list --json --db "$tmp/smsgate.db" | grep -o '"id":' | wc -l)
[[ $count -eq 2 ]] || fail "keys after failed attempts: $count, wanted 2"

# Scopes: repeated, as a comma list, both, and all; each key lists what it was given.
scopes_of() {  # scopes_of ID: the key's scopes as JSON
  "$smsgated" apikey list --json --db "$tmp/smsgate.db" |
    python3 -c "import json,sys; print(json.dumps([k['scopes'] for k in json.load(sys.stdin) if k['id'] == $1][0]))"
}
"$smsgated" apikey create --name portal --scope otp --db "$tmp/smsgate.db" >/dev/null ||
  fail "create --scope otp"
[[ $(scopes_of 3) == '["otp"]' ]] || fail "--scope otp: $(scopes_of 3)"
"$smsgated" apikey create --name crm --scope metrics --scope send --db "$tmp/smsgate.db" >/dev/null
[[ $(scopes_of 4) == '["send", "metrics"]' ]] || fail "--scope metrics --scope send: $(scopes_of 4)"
"$smsgated" apikey create --name crm2 --scope inbound,read --scope webhooks --db "$tmp/smsgate.db" >/dev/null
[[ $(scopes_of 5) == '["read", "inbound", "webhooks"]' ]] || fail "comma list and repeat: $(scopes_of 5)"
"$smsgated" apikey create --name everything --scope all --db "$tmp/smsgate.db" >/dev/null
[[ $(scopes_of 6) == '["send", "read", "inbound", "otp", "webhooks", "optouts", "modems", "metrics", "templates", "rules", "appointments", "contacts"]' ]] ||
  fail "--scope all: $(scopes_of 6)"
table=$("$smsgated" apikey list --db "$tmp/smsgate.db")
[[ "$table" == *SCOPES* && "$table" =~ portal\ +otp\  && "$table" == *"read,inbound,webhooks"* ]] ||
  fail "list: scopes not shown: '$table'"
help=$("$smsgated" apikey create --help)
[[ "$help" == *--scope* && "$help" == *"Default: send,read"* ]] || fail "create --help: '$help'"

# admin-password reset: the same database options; a new password alone on the last line.
password_pattern='^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$'
PASSWORD=$("$smsgated" admin-password reset --config "$tmp/smsgate.toml" 2>"$tmp/err" | tail -n1)
[[ $PASSWORD =~ $password_pattern ]] || fail "admin-password reset: last line '$PASSWORD'"
[[ -s "$tmp/err" ]] && fail "admin-password reset: stderr '$(cat "$tmp/err")'"
PASSWORD2=$("$smsgated" admin-password reset --db "$tmp/smsgate.db" | tail -n1)
[[ $PASSWORD2 =~ $password_pattern && "$PASSWORD2" != "$PASSWORD" ]] ||
  fail "admin-password reset again: '$PASSWORD2' after '$PASSWORD'"
expect_error admin-password.no-subcommand "subcommand" -- admin-password
expect_error admin-password.no-config "$tmp/missing.toml" -- \
  admin-password reset --config "$tmp/missing.toml"

if [[ $failures -ne 0 ]]; then
  echo "$failures CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
