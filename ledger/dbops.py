"""Migration operations for what only PostgreSQL can enforce (triggers); SQLite skips them."""
from django.db import migrations


class PostgresRunSQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and is a no-op on every other database.

    The embedded SQLite mode has no deferred triggers, and its test flush deletes
    rows one by one, which append-only triggers would refuse.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Raw SQL operation (PostgreSQL only)"
