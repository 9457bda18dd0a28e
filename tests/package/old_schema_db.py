"""Writes a database as an older smsgated left it: the store's migrations up to
kSchemaVersion - 1, run from src/store/schema.cpp itself (a shipped migration is never
edited, so this is that version's schema), with one sent message in it.

Usage: old_schema_db.py SOURCE_DIR DATABASE; prints the version it wrote."""
import pathlib
import re
import sqlite3
import sys

source, database = pathlib.Path(sys.argv[1]), sys.argv[2]
schema = (source / "src/store/schema.cpp").read_text()
latest = int(re.search(r"kSchemaVersion = (\d+);", (source / "src/store/schema.h").read_text())[1])
migrations = [(int(n), sql) for n, sql in re.findall(r'\{(\d+), R"sql\((.*?)\)sql"\}', schema, re.S)]
if [n for n, _ in migrations] != list(range(1, latest + 1)):
    sys.exit(f"schema.cpp: migrations {[n for n, _ in migrations]}, wanted 1..{latest}")

connection = sqlite3.connect(database)
for _, sql in migrations[:-1]:
    connection.executescript(sql)
connection.execute(
    "INSERT INTO messages (recipient, text, category, status, created_at, updated_at,"
    " encoding, part_count, due_at) VALUES ('+4917012345678', 'Ihr Termin: morgen 10:00',"
    " 'reminder', 'sent', 1764926400000, 1764926400000, 'gsm7', 1, 1764926400000)")
connection.commit()
print(connection.execute("PRAGMA user_version").fetchone()[0])
connection.close()
