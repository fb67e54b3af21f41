"""Indexes in the order reader pages ask for stories (newest first, nulls last).

PostgreSQL sorts NULLs first in a DESC index, so the old (status, publish_at DESC)
index could not serve ORDER BY publish_at DESC NULLS LAST: every live story was
sorted. SQLite refuses NULLS LAST in an index, and needs none: its NULLs already
sort last in DESC order. So the model states the PostgreSQL form and SQLite gets the
plain one.
"""

from django.db import migrations, models

LIVE = "article_live_idx"
REVISED = "article_rev_idx"
CREATE = {
    "postgresql": [
        f'CREATE INDEX "{LIVE}" ON "articles_article" '
        '("status", "publish_at" DESC NULLS LAST, "id" DESC)',
        f'CREATE INDEX "{REVISED}" ON "articles_article" ("revised_at" DESC NULLS LAST)',
    ],
    "other": [
        f'CREATE INDEX "{LIVE}" ON "articles_article" '
        '("status", "publish_at" DESC, "id" DESC)',
        f'CREATE INDEX "{REVISED}" ON "articles_article" ("revised_at" DESC)',
    ],
}


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in CREATE.get(vendor, CREATE["other"]):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for name in (LIVE, REVISED):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_content_version"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="article_pub_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="article",
                    index=models.Index(
                        models.F("status"),
                        models.OrderBy(
                            models.F("publish_at"), descending=True, nulls_last=True
                        ),
                        models.OrderBy(models.F("id"), descending=True),
                        name=LIVE,
                    ),
                ),
                migrations.AddIndex(
                    model_name="article",
                    index=models.Index(
                        models.OrderBy(
                            models.F("revised_at"), descending=True, nulls_last=True
                        ),
                        name=REVISED,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
