"""Delivery rows are rewritten twice a mail by the sender: keep status out of every
index and leave room on each page, so PostgreSQL updates them in place (HOT)."""

import django.db.models.deletion
from django.db import migrations, models


def leave_room_on_each_page(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE newsletter_delivery SET (fillfactor = 50)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE newsletter_delivery RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0004_delivery_queued_status"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="delivery",
            name="delivery_status_idx",
        ),
        migrations.AlterField(
            model_name="delivery",
            name="issue",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="newsletter.issue",
            ),
        ),
        migrations.RunPython(leave_room_on_each_page, fill_pages, elidable=False),
    ]
