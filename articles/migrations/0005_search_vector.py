"""Full-text search on PostgreSQL: a search vector column, its GIN index and a trigger.

The column exists on every database (SQLite stores NULLs in it); the index and the
trigger are made only on PostgreSQL, so this migration applies on both.

The trigger fills the vector on every insert, and on every update that touches the
headline, standfirst or body, so rows written by bulk_create, queryset updates or raw
SQL are as searchable as rows saved through the model. Body HTML is searched as text
(tags replaced by spaces).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

CREATE_TRIGGER = """
CREATE FUNCTION articles_article_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('pg_catalog.english', coalesce(NEW.headline, '')), 'A')
        || setweight(to_tsvector('pg_catalog.english', coalesce(NEW.standfirst, '')), 'B')
        || setweight(to_tsvector('pg_catalog.english',
               regexp_replace(coalesce(NEW.body, ''), '<[^>]*>', ' ', 'g')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF headline, standfirst, body, search_vector
    ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector();

UPDATE articles_article SET headline = headline;
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_vector();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """AddIndex whose index is created only on PostgreSQL (GIN exists nowhere else);
    the model state has it on every database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_slug_help_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, serialize=False
            ),
        ),
        AddIndexOnPostgreSQL(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_idx"
            ),
        ),
        migrations.RunPython(
            _on_postgresql(CREATE_TRIGGER), _on_postgresql(DROP_TRIGGER)
        ),
    ]
