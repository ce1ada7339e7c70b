"""Full-text search over timeline entries' titles and bodies, one way per database engine.

SQLite: an external-content FTS5 table over ``timeline_entry(title, body)`` kept in step by
triggers, and an ``fts5vocab`` table whose per-word document counts let the query choose its
plan. PostgreSQL: a generated ``tsvector`` column (``simple`` configuration, punctuation turned
into spaces so both engines cut the same words) with a GIN index. Django's models don't know
these objects; ``panorama.timeline.queries`` uses them in raw SQL with parameters.

Beware: on SQLite, a later migration that *rebuilds* ``timeline_entry`` (most field changes
do) drops its triggers; such a migration must run this one's SQLite statements again.
``test_search.py`` fails when the triggers are missing.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE timeline_entry_fts USING fts5(
        title, body,
        content='timeline_entry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    "CREATE VIRTUAL TABLE timeline_entry_fts_vocab USING fts5vocab(timeline_entry_fts, row)",
    """
    CREATE TRIGGER timeline_entry_fts_insert AFTER INSERT ON timeline_entry BEGIN
        INSERT INTO timeline_entry_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER timeline_entry_fts_delete AFTER DELETE ON timeline_entry BEGIN
        INSERT INTO timeline_entry_fts(timeline_entry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER timeline_entry_fts_update AFTER UPDATE OF title, body ON timeline_entry BEGIN
        INSERT INTO timeline_entry_fts(timeline_entry_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO timeline_entry_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    # Entries written before this migration.
    "INSERT INTO timeline_entry_fts(timeline_entry_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS timeline_entry_fts_update",
    "DROP TRIGGER IF EXISTS timeline_entry_fts_delete",
    "DROP TRIGGER IF EXISTS timeline_entry_fts_insert",
    "DROP TABLE IF EXISTS timeline_entry_fts_vocab",
    "DROP TABLE IF EXISTS timeline_entry_fts",
]

POSTGRESQL_FORWARD = [
    """
    ALTER TABLE timeline_entry ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        to_tsvector(
            'simple'::regconfig,
            regexp_replace(coalesce(title, '') || ' ' || coalesce(body, ''), '[[:punct:]]+', ' ', 'g')
        )
    ) STORED
    """,
    "CREATE INDEX timeline_entry_search ON timeline_entry USING gin (search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS timeline_entry_search",
    "ALTER TABLE timeline_entry DROP COLUMN IF EXISTS search_vector",
]


class RunSQLOn(migrations.RunSQL):
    """``RunSQL`` that runs only on one database engine (``vendor``) and is a no-op elsewhere."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql, elidable=False)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {**kwargs, "vendor": self.vendor}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("timeline", "0002_entry_actor_index")]

    operations = [
        RunSQLOn("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        RunSQLOn("postgresql", POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
    ]
