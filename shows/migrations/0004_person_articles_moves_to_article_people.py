from django.db import migrations


class Migration(migrations.Migration):
    """Person.articles becomes Article.people (articles 0008): same rows, same table
    until that migration renames it; nothing is written here."""

    dependencies = [("shows", "0003_trailer_and_constraint_fixes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="person", name="articles")
            ],
            database_operations=[],
        )
    ]
