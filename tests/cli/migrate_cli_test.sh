#!/bin/bash
# `smsgated migrate`: creates, migrates or leaves a database and says which, at which
# schema version; refuses a newer schema and bad paths with one line. Then, as root:
# the commands that open the database (migrate, apikey, admin-password) become the
# owner of its directory first, so every file they leave there is the service's.
# Usage: migrate_cli_test.sh SMSGATED SOURCE_DIR
source "$(dirname "$0")/lib.sh"
source=$2
finish() {
  if [[ $failures -ne 0 ]]; then
    echo "$failures migrate check(s) failed"
    exit 1
  fi
  echo "$1"
  exit "${2:-0}"
}

latest=$(sed -n -E 's/.*kSchemaVersion = ([0-9]+);.*/\1/p' "$source/src/store/schema.h")
version_of() { sqlite3 "$1" 'PRAGMA user_version'; }

out=$("$smsgated" migrate --db "$tmp/new.db" 2>"$tmp/err")
[[ $? -eq 0 && "$out" == "Database $tmp/new.db at schema version $latest (created)" ]] ||
  fail "new: '$out' $(cat "$tmp/err")"
out=$("$smsgated" migrate --db "$tmp/new.db" 2>"$tmp/err")
[[ "$out" == "Database $tmp/new.db at schema version $latest (already)" ]] || fail "again: '$out'"

old=$(python3 "$source/tests/package/old_schema_db.py" "$source" "$tmp/old.db")
printf '[storage]\npath = "%s"\n' "$tmp/old.db" >"$tmp/smsgate.toml"
out=$("$smsgated" migrate --config "$tmp/smsgate.toml" 2>"$tmp/err")
[[ "$out" == "Database $tmp/old.db at schema version $latest (migrated from $old)" ]] ||
  fail "old: '$out' $(cat "$tmp/err")"
[[ $(version_of "$tmp/old.db") == "$latest" ]] || fail "old: at $(version_of "$tmp/old.db")"
[[ $(sqlite3 "$tmp/old.db" 'SELECT count(*) FROM messages') == 1 ]] || fail "old: the message is gone"

sqlite3 "$tmp/newer.db" "PRAGMA user_version = $((latest + 1))"
expect_error newer "newer than this smsgated" -- migrate --db "$tmp/newer.db"
[[ $(version_of "$tmp/newer.db") == $((latest + 1)) ]] || fail "newer: changed"
expect_error no-directory "$tmp/nowhere" -- migrate --db "$tmp/nowhere/smsgate.db"
expect_error no-config "$tmp/missing.toml" -- migrate --config "$tmp/missing.toml"
printf 'not a database, but long enough to look at: %0200d\n' 0 >"$tmp/text.db"
expect_error not-a-database "text.db" -- migrate --db "$tmp/text.db"

if [[ $(id -u) -ne 0 ]]; then
  finish "SKIP: the checks of root becoming the directory's owner need root" 77
fi

# A service's directory (owned by nobody, 0700); the commands run as root.
chmod 0711 "$tmp"
mkdir -m 0700 "$tmp/state"
chown nobody:nogroup "$tmp/state"
db=$tmp/state/smsgate.db
"$smsgated" migrate --db "$db" >/dev/null || fail "root migrate in nobody's directory"
"$smsgated" apikey create --name shop --db "$db" >/dev/null || fail "root apikey create"
"$smsgated" admin-password reset --db "$db" >/dev/null || fail "root admin-password reset"
for file in "$tmp"/state/*; do
  [[ $(stat -c %U:%G "$file") == nobody:nogroup ]] || fail "$file: $(stat -c %U:%G "$file")"
done
# The owner opens what root worked on.
list=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$smsgated" apikey list --db "$db" 2>&1)
[[ "$list" == *shop* ]] || fail "nobody cannot use the database: '$list'"

# An owner without a passwd entry: its uid and the directory's group.
mkdir -m 0700 "$tmp/orphan"
chown 54321:54322 "$tmp/orphan"
"$smsgated" migrate --db "$tmp/orphan/smsgate.db" >/dev/null || fail "root migrate in uid 54321's directory"
[[ $(stat -c %u:%g "$tmp/orphan/smsgate.db") == 54321:54322 ]] ||
  fail "orphan: $(stat -c %u:%g "$tmp/orphan/smsgate.db")"

# Root's own directory: root stays root.
mkdir "$tmp/root"
"$smsgated" migrate --db "$tmp/root/smsgate.db" >/dev/null || fail "root migrate in its directory"
[[ $(stat -c %U "$tmp/root/smsgate.db") == root ]] || fail "root: $(stat -c %U "$tmp/root/smsgate.db")"

finish "all migrate checks passed"
