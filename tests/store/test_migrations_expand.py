"""Migrations are expand/contract (DEVELOPERS.md, "Migrations"): a
migration may only add to the schema, so the previous release's servers
and workers keep working against a database this release migrated. This
test scans migrations/ for the statements that break an older reader or
writer -- DROP TABLE, DROP COLUMN, a table or column RENAME, a column
TYPE change, NOT NULL without a default -- outside a file that declares
itself a contract migration with a first line "-- avp:contract <why>".
"""
import os
import re

import pytest

SOURCE = os.environ.get("AVP_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
MIGRATIONS = os.path.join(SOURCE, "migrations")
CONTRACT = re.compile(r"^-- avp:contract \S")

# Each rule reads one statement with comments and string literals removed,
# upper-cased, blanks collapsed.
RULES = [
    ("DROP TABLE", re.compile(r"\bDROP TABLE\b")),
    ("DROP COLUMN", re.compile(r"\bDROP COLUMN\b|\bALTER TABLE\b[^;]*\bDROP (?!CONSTRAINT\b|DEFAULT\b|NOT NULL\b)\w+")),
    ("RENAME", re.compile(r"\b(ALTER TABLE|ALTER VIEW|ALTER TYPE)\b.*\bRENAME\b")),
    ("ALTER TYPE", re.compile(r"\bALTER COLUMN \w+ (SET DATA )?TYPE\b|\bALTER TYPE\b")),
    ("SET NOT NULL", re.compile(r"\bSET NOT NULL\b")),
]
ADD_COLUMN = re.compile(r"\bADD (COLUMN )?(IF NOT EXISTS )?\w+ [^,]*")


def statements(sql):
    """The statements of sql, without comments or literals, normalized."""
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"\$(\w*)\$.*?\$\1\$", "''", sql, flags=re.S)
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    for s in sql.split(";"):
        s = " ".join(s.upper().split())
        if s:
            yield s


def violations(sql):
    """(rule, statement) for each destructive statement of a migration."""
    found = []
    for s in statements(sql):
        for name, rx in RULES:
            if rx.search(s):
                found.append((name, s))
        if s.startswith("ALTER TABLE"):
            for add in ADD_COLUMN.finditer(s):
                if " NOT NULL" in add.group(0) and " DEFAULT " not in add.group(0):
                    found.append(("NOT NULL without default", s))
    return found


def migration_files():
    names = sorted(f for f in os.listdir(MIGRATIONS) if f.endswith(".sql"))
    assert names, "no migrations in " + MIGRATIONS
    return names


@pytest.mark.parametrize("name", migration_files())
def test_migration_only_expands(name):
    with open(os.path.join(MIGRATIONS, name)) as f:
        text = f.read()
    if CONTRACT.match(text):
        return
    bad = violations(text)
    assert not bad, ("%s is not an expand migration (see DEVELOPERS.md, Migrations): %s"
                     % (name, "; ".join("%s in %r" % b for b in bad)))


@pytest.mark.parametrize("sql,rule", [
    ("DROP TABLE videos;", "DROP TABLE"),
    ("ALTER TABLE videos DROP COLUMN fps;", "DROP COLUMN"),
    ("ALTER TABLE videos DROP fps, ADD COLUMN x int;", "DROP COLUMN"),
    ("alter table videos rename column fps to rate;", "RENAME"),
    ("ALTER TABLE videos RENAME TO clips;", "RENAME"),
    ("ALTER TABLE videos ALTER COLUMN fps TYPE real;", "ALTER TYPE"),
    ("ALTER TABLE videos ALTER COLUMN fps SET DATA TYPE real;", "ALTER TYPE"),
    ("ALTER TYPE mood ADD VALUE 'x';", "ALTER TYPE"),
    ("ALTER TABLE videos ALTER COLUMN fps SET NOT NULL;", "SET NOT NULL"),
    ("ALTER TABLE videos ADD COLUMN codec text NOT NULL;", "NOT NULL without default"),
    ("ALTER TABLE v ADD COLUMN a int DEFAULT 0, ADD COLUMN b int NOT NULL;",
     "NOT NULL without default"),
])
def test_check_finds_destructive_statements(sql, rule):
    assert rule in [r for r, _ in violations(sql)], violations(sql)


@pytest.mark.parametrize("sql", [
    "ALTER TABLE videos ADD COLUMN codec text NOT NULL DEFAULT 'h264';",
    "ALTER TABLE videos ADD COLUMN codec text;",
    "CREATE TABLE t (id bigint NOT NULL);",
    "DROP INDEX CONCURRENTLY IF EXISTS i; ALTER INDEX j RENAME TO i;",
    "ALTER TABLE runs DROP CONSTRAINT runs_model_fkey;",
    "-- DROP TABLE videos in a comment\nSELECT 'DROP COLUMN in a string';",
    "ALTER TABLE runs ALTER COLUMN p SET DEFAULT 'exact';",
])
def test_check_lets_expansions_pass(sql):
    assert violations(sql) == []
