#!/bin/bash
# `smsgated user add|list|passwd|remove`: the console's people from the command line,
# on the database of the configuration's [storage] path or --db; the password from
# standard input when it is not a terminal; never a password or a hash in any output;
# errors as one stderr line with exit status 1 and no stdout; each change in the audit
# log as done by "command line".
source "$(dirname "$0")/lib.sh"

db="$tmp/smsgate.db"
cat >"$tmp/smsgate.toml" <<EOF2
[storage]
path = "$db"
EOF2

out=$(echo "anna's long password" | "$smsgated" user add Anna --role admin --config "$tmp/smsgate.toml" 2>"$tmp/err")
[[ $? -eq 0 && "$out" == "Added Anna (admin)." ]] || fail "add: '$out' '$(cat "$tmp/err")'"
[[ -s "$tmp/err" ]] && fail "add: stderr '$(cat "$tmp/err")'"
out=$(echo "ben's long password" | "$smsgated" user add "Ben Ortiz" --role operator --db "$db")
[[ $? -eq 0 && "$out" == "Added Ben Ortiz (operator)." ]] || fail "add operator: '$out'"

list=$("$smsgated" user list --db "$db")
[[ $? -eq 0 && "$list" == *Anna*admin* && "$list" == *"Ben Ortiz"*operator* ]] || fail "list: '$list'"
[[ "$list" != *argon2* && "$list" != *password\ * ]] || fail "list shows a hash: '$list'"
json=$("$smsgated" user list --json --db "$db")
blanked=$(printf '%s' "$json" | sed -E 's/"(created_at|password_changed_at)":"[^"]*"/"\1":"*"/g')
expected='[{"created_at":"*","name":"Anna","password_changed_at":"*","role":"admin"},{"created_at":"*","name":"Ben Ortiz","password_changed_at":"*","role":"operator"}]'
[[ "$blanked" == "$expected" ]] || fail "list --json: '$json'"

out=$(echo "ben's second password" | "$smsgated" user passwd "ben ortiz" --db "$db")
[[ $? -eq 0 && "$out" == *"New password set for ben ortiz"* ]] || fail "passwd: '$out'"

expect_error add.taken "already a user called \"Anna\"" -- user add ANNA --role operator --db "$db" <<<"another long password"
expect_error add.short "password: must be at least 12 characters" -- user add carl --role operator --db "$db" <<<"short"
out=$("$smsgated" user add carl --role operator --db "$db" </dev/null 2>"$tmp/err")
[[ $? -eq 1 && -z "$out" && "$(cat "$tmp/err")" == *"no password on standard input"* ]] ||
  fail "add with nothing on stdin: '$out' '$(cat "$tmp/err")'"
expect_error add.role "\"boss\" is not a role (admin, operator)" -- user add carl --role boss --db "$db" <<<"a long enough password"
expect_error add.no-role "--role is required" -- user add carl --db "$db" <<<""
expect_error add.name "name: must not contain \"/\"" -- user add a/b --role admin --db "$db" <<<"a long enough password"
expect_error passwd.unknown "no user called \"nobody\"" -- user passwd nobody --db "$db" <<<"a long enough password"
expect_error passwd.short "password: must be at least 12" -- user passwd Anna --db "$db" <<<"short"
expect_error remove.last-admin "\"Anna\" is the last admin" -- user remove anna --db "$db" <<<""
expect_error remove.unknown "no user called \"nobody\"" -- user remove nobody --db "$db" <<<""
expect_error no-subcommand "subcommand" -- user <<<""

out=$("$smsgated" user remove "Ben Ortiz" --db "$db")
[[ $? -eq 0 && "$out" == *"Removed Ben Ortiz"* ]] || fail "remove: '$out'"
list=$("$smsgated" user list --db "$db")
[[ "$list" != *Ben* ]] || fail "remove: still listed: '$list'"

# admin-password reset makes the user admin beside Anna, and it may then be removed.
password=$("$smsgated" admin-password reset --db "$db" | tail -n1)
[[ "$password" =~ ^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){3}$ ]] || fail "admin-password reset: '$password'"
list=$("$smsgated" user list --db "$db")
[[ "$list" == *"admin "*admin* ]] || fail "admin-password reset: no user admin: '$list'"
"$smsgated" user remove admin --db "$db" >/dev/null || fail "remove admin beside Anna"

# Every change is in the audit log, by the command line, without a password.
if command -v sqlite3 >/dev/null; then
  audit=$(sqlite3 "$db" "SELECT actor || ' ' || action || ' ' || target FROM audit_log ORDER BY id")
  expected_audit="command line user.add Anna
command line user.add Ben Ortiz
command line user.password Ben Ortiz
command line user.remove Ben Ortiz
command line admin_password.reset admin
command line user.remove admin"
  [[ "$audit" == "$expected_audit" ]] || fail "audit log: '$audit'"
  for secret in "anna's long password" "ben's long password" "ben's second password" "$password"; do
    [[ -z $(sqlite3 "$db" "SELECT 1 FROM audit_log WHERE instr(detail || target, '$(printf '%s' "$secret" | sed "s/'/''/g")') > 0") ]] ||
      fail "audit log holds a password"
  done
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "user cli: all passed"
