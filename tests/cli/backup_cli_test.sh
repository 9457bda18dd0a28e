#!/bin/bash
# `smsgated backup`, `restore` and `erase` on a database file: a backup is private and
# says what it holds; restore refuses a database another process holds open, a file
# that is not a database and one from a newer smsgated (nothing changed), and keeps the
# replaced database aside; erase prints what it deleted and keeps the opt-out. Errors
# are one stderr line with exit status 1 and nothing on stdout.
source "$(dirname "$0")/lib.sh"

sql() {  # sql DATABASE STATEMENT: prints the first column of each row
  python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print(row[0])
db.commit()
EOF
}

db=$tmp/smsgate.db
cat >"$tmp/smsgate.toml" <<EOF
[storage]
path = "$db"
[sending]
default_region = "DE"
EOF
"$smsgated" apikey create --name shop --db "$db" >/dev/null || fail "apikey create: no database"
# Two patients' messages, a reply, an opt-out: what the daemon would have written.
sql "$db" "INSERT INTO messages (id, recipient, text, category, status, created_at, updated_at,
             encoding, part_count, due_at)
           VALUES (1, '+4917011111111', 'Your appointment', 'reminder', 'sent', 1, 1, 'gsm7', 1, 1),
                  (2, '+4917022222222', 'Your order', 'transactional', 'sent', 1, 1, 'gsm7', 1, 1)"
sql "$db" "INSERT INTO parts (message_id, number, pdu_hex, tpdu_length, status)
           VALUES (1, 1, '00AA', 1, 'sent'), (2, 1, '00BB', 1, 'sent')"
sql "$db" "INSERT INTO inbound_messages (sender, modem, text, received_at, part_count)
           VALUES ('+4917011111111', 'imei', 'Yes', 2, 1)"
sql "$db" "INSERT INTO optouts (number, keyword, at) VALUES ('+4917011111111', 'STOP', 3)"

# Backup: the file, its size, schema and message count; mode 0600 whatever the umask.
mkdir "$tmp/backups"
out=$(umask 022; "$smsgated" backup "$tmp/backups/daily.db" --config "$tmp/smsgate.toml" 2>"$tmp/err")
[[ $? -eq 0 && ! -s "$tmp/err" ]] || fail "backup: failed: $(cat "$tmp/err")"
[[ "$out" == *"backup:   $tmp/backups/daily.db"* ]] || fail "backup: file not named: '$out'"
[[ "$out" =~ size:\ +[1-9][0-9]*\ bytes ]] || fail "backup: no size: '$out'"
[[ "$out" =~ schema:\ +[0-9]+ ]] || fail "backup: no schema: '$out'"
[[ "$out" == *"messages: 2"* ]] || fail "backup: message count: '$out'"
[[ $(stat -c %a "$tmp/backups/daily.db") == 600 ]] ||
  fail "backup: mode $(stat -c %a "$tmp/backups/daily.db")"
[[ $(ls "$tmp/backups") == daily.db ]] || fail "backup: left behind: $(ls "$tmp/backups")"
[[ $(sql "$tmp/backups/daily.db" "PRAGMA integrity_check") == ok ]] || fail "backup: damaged"
expect_error backup.no-directory "$tmp/nowhere" -- backup "$tmp/nowhere/b.db" --db "$db"
expect_error backup.no-database "no database at $tmp/missing.db" -- \
  backup "$tmp/backups/x.db" --db "$tmp/missing.db"
expect_error backup.no-file "FILE is required" -- backup --db "$db"

# Erase: by the configuration's region a national number is the same person.
out=$("$smsgated" erase --number "0170 11111111" --config "$tmp/smsgate.toml" 2>"$tmp/err")
[[ $? -eq 0 ]] || fail "erase: failed: $(cat "$tmp/err")"
[[ "$out" == *"Erased +4917011111111"* ]] || fail "erase: number not said: '$out'"
[[ "$out" =~ messages:\ +1\  ]] || fail "erase: messages: '$out'"
[[ "$out" =~ inbound:\ +1 ]] || fail "erase: inbound: '$out'"
[[ "$out" == *"opted out:      yes"* ]] || fail "erase: opt-out not said: '$out'"
[[ $(sql "$db" "SELECT group_concat(recipient) FROM messages") == "+4917022222222" ]] ||
  fail "erase: messages left: $(sql "$db" "SELECT group_concat(recipient) FROM messages")"
[[ $(sql "$db" "SELECT count(*) FROM inbound_messages") == 0 ]] || fail "erase: inbound left"
[[ $(sql "$db" "SELECT count(*) FROM parts") == 1 ]] || fail "erase: parts left"
[[ $(sql "$db" "SELECT number FROM optouts") == "+4917011111111" ]] || fail "erase: opt-out gone"
expect_error erase.bad-number "erase: --number:" -- erase --number banana --db "$db"
expect_error erase.no-number "--number is required" -- erase --db "$db"

# Restore refused while another process holds the database open (as the daemon does).
python3 - "$db" "$tmp/held" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("SELECT count(*) FROM messages").fetchall()
open(sys.argv[2], "w").close()
time.sleep(60)
EOF
holder=$!
pids+=("$holder")
for _ in $(seq 100); do [[ -e "$tmp/held" ]] && break; sleep 0.05; done
before=$(ls "$tmp")
expect_error restore.in-use "is in use; stop smsgated first" -- \
  restore "$tmp/backups/daily.db" --db "$db"
[[ $(ls "$tmp") == "$before" ]] || fail "restore.in-use: files changed: $(ls "$tmp")"
kill "$holder"
wait "$holder" 2>/dev/null
pids=()

# Not a database, not smsgate's, newer: refused, nothing changed.
echo "just some notes, certainly no database at all" >"$tmp/notes.txt"
expect_error restore.text "notes.txt is not an SQLite database" -- \
  restore "$tmp/notes.txt" --db "$db"
sql "$tmp/photos.db" "CREATE TABLE photos (id INTEGER PRIMARY KEY)"
expect_error restore.other "photos.db is not an smsgate database" -- \
  restore "$tmp/photos.db" --db "$db"
cp "$tmp/backups/daily.db" "$tmp/newer.db"
sql "$tmp/newer.db" "PRAGMA user_version = 999"
expect_error restore.newer "schema 999 is newer than this smsgated" -- \
  restore "$tmp/newer.db" --db "$db"
expect_error restore.missing "no backup at" -- restore "$tmp/none.db" --db "$db"
[[ $(sql "$db" "SELECT count(*) FROM messages") == 1 ]] || fail "refused restores changed the database"

# A good backup: in place, private, the replaced database kept aside.
out=$("$smsgated" restore "$tmp/backups/daily.db" --config "$tmp/smsgate.toml" 2>"$tmp/err")
[[ $? -eq 0 ]] || fail "restore: failed: $(cat "$tmp/err")"
[[ "$out" == *"(schema "*", 2 messages)"* ]] || fail "restore: '$out'"
previous=$(printf '%s\n' "$out" | sed -n 's/^previous: //p')
[[ "$previous" == "$db".before-restore-* && -f "$previous" ]] || fail "restore: previous '$previous'"
[[ $(sql "$db" "SELECT count(*) FROM messages") == 2 ]] || fail "restore: not the backup's messages"
[[ $(sql "$previous" "SELECT count(*) FROM messages") == 1 ]] || fail "restore: previous damaged"
[[ $(stat -c %a "$db") == 600 ]] || fail "restore: mode $(stat -c %a "$db")"

if [[ $failures -ne 0 ]]; then
  echo "$failures CLI check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
