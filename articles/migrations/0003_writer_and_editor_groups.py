"""Create the Writer and Editor groups.

On a fresh database the permissions do not exist yet (auth creates them after
migrating), so the groups may start empty here; articles' post_migrate receiver fills
them in at the end of the same `migrate`.
"""

from django.db import migrations


def create_roles(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(
        using=schema_editor.connection.alias,
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_article_workflow_and_rendered_body"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
