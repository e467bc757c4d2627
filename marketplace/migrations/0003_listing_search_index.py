"""Full-text search over listings on PostgreSQL: a GIN index on the search document.

The expression must match the one the search selector uses, or the index is not used.
SQLite has no such index; search there falls back to a simple substring match.
"""
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS listing_search_gin ON marketplace_listing "
    "USING gin (to_tsvector('simple'::regconfig, search_document))"
)
DROP = "DROP INDEX IF EXISTS listing_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
