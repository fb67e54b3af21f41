"""Search moves to a narrow table, articles_articlesearch, kept by a trigger.

A broad search ("season renews": 10,000 of 100,000 stories) read every match's row
of the wide story table (bodies, rendered HTML and the search vector side by side,
8,000 pages for those matches) and ranked each match by its whole vector, about
150 ms. The search table holds, per story, what finding and ranking need: the
status and publish time (copies, so the one "live" rule applies to them), the
headline and standfirst vector that results are ranked by (small, kept in the row)
and the whole text's vector, stored out of line (toast_tuple_target) and read only by
its GIN index. The matches then sit on a few hundred pages.

The trigger on articles_article writes the row on every insert, rewrites the
vectors when the headline, standfirst or body change and copies the status and
publish time when they do (bulk_create, queryset updates and raw SQL included), and
deletes it with the story. The vectors are the ones 0005's trigger made, which goes,
with the story table's own vector column and index. The table exists everywhere;
SQLite leaves it empty (its search reads the stories' own columns).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

TITLE = """
    setweight(to_tsvector('pg_catalog.english', coalesce({row}.headline, '')), 'A')
    || setweight(to_tsvector('pg_catalog.english', coalesce({row}.standfirst, '')), 'B')
"""
BODY = """
    setweight(to_tsvector('pg_catalog.english',
        regexp_replace(coalesce({row}.body, ''), '<[^>]*>', ' ', 'g')), 'C')
"""

CREATE = f"""
ALTER TABLE articles_articlesearch SET (toast_tuple_target = 256);
ALTER TABLE articles_articlesearch ALTER COLUMN vector SET STORAGE EXTERNAL;
ALTER TABLE articles_articlesearch ALTER COLUMN title_vector SET STORAGE MAIN;

CREATE FUNCTION articles_article_search_row() RETURNS trigger AS $$
DECLARE
    title tsvector;
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM articles_articlesearch WHERE article_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
        AND NEW.headline IS NOT DISTINCT FROM OLD.headline
        AND NEW.standfirst IS NOT DISTINCT FROM OLD.standfirst
        AND NEW.body IS NOT DISTINCT FROM OLD.body
        AND EXISTS (SELECT 1 FROM articles_articlesearch WHERE article_id = NEW.id)
    THEN
        UPDATE articles_articlesearch
        SET status = NEW.status, publish_at = NEW.publish_at
        WHERE article_id = NEW.id
            AND (status, publish_at) IS DISTINCT FROM (NEW.status, NEW.publish_at);
        RETURN NULL;
    END IF;
    title := {TITLE.format(row="NEW")};
    INSERT INTO articles_articlesearch
        (article_id, status, publish_at, title_vector, vector)
    VALUES (NEW.id, NEW.status, NEW.publish_at, title, title || {BODY.format(row="NEW")})
    ON CONFLICT (article_id) DO UPDATE SET
        status = EXCLUDED.status,
        publish_at = EXCLUDED.publish_at,
        title_vector = EXCLUDED.title_vector,
        vector = EXCLUDED.vector;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER articles_article_search_row
    AFTER INSERT OR UPDATE OF headline, standfirst, body, status, publish_at OR DELETE
    ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_row();

INSERT INTO articles_articlesearch (article_id, status, publish_at, title_vector, vector)
SELECT id, status, publish_at, {TITLE.format(row="articles_article")},
    coalesce(search_vector,
        {TITLE.format(row="articles_article")} || {BODY.format(row="articles_article")})
FROM articles_article;

DROP TRIGGER IF EXISTS articles_article_search_vector ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_vector();
"""  # noqa: S608 - built from the constants above, no input

# Back to 0005's trigger, which fills the story table's vector column again.
DROP = f"""
DROP TRIGGER IF EXISTS articles_article_search_row ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_row();

CREATE FUNCTION articles_article_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := {TITLE.format(row="NEW")} || {BODY.format(row="NEW")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF headline, standfirst, body, search_vector
    ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector();

UPDATE articles_article SET headline = headline;
"""  # noqa: S608 - built from the constants above, no input


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class IndexOnPostgreSQL:
    """An index operation that runs only on PostgreSQL (GIN exists nowhere else);
    the model state has the index on every database, as in 0005."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexOnPostgreSQL(IndexOnPostgreSQL, migrations.AddIndex):
    pass


class RemoveSearchIndex(migrations.RemoveIndex):
    """0005's index, made only on PostgreSQL; but SQLite remakes a table (an altered
    column) with every index of the model state, so it may have a plain copy."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.name}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_taggedtopic_object_tag_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearch",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_row",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("review", "In review"),
                            ("published", "Published"),
                        ],
                        max_length=20,
                    ),
                ),
                ("publish_at", models.DateTimeField(null=True)),
                (
                    "title_vector",
                    django.contrib.postgres.search.SearchVectorField(null=True),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
        AddIndexOnPostgreSQL(
            model_name="articlesearch",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["vector"], name="search_vector_idx"
            ),
        ),
        RemoveSearchIndex(
            model_name="article",
            name="article_search_idx",
        ),
        migrations.RemoveField(
            model_name="article",
            name="search_vector",
        ),
    ]
