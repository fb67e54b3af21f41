"""The Writer and Editor groups, their permissions, and who counts as an editor.

Permissions are looked up by app label when the roles are synced, so models that other
apps add later are covered: `setup_roles` and every `migrate` (post_migrate) sync them.
Object-level limits (a writer edits only their own drafts) live in the admin.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

WRITER = "Writer"
EDITOR = "Editor"
# Editors are those who may publish; every "is this an editor?" check asks this.
PUBLISH_PERMISSION = "articles.publish_article"

ALL = "*"
EVERY_MODEL = "*"

# {group: {(app_label, model or EVERY_MODEL): actions or ALL}}. An action is a
# permission codename's first word: add, change, delete, view, publish, preview.
ROLES = {
    WRITER: {
        ("articles", "article"): {"add", "change", "view"},
        ("articles", "byline"): {"add", "change", "delete", "view"},
        ("articles", "topic"): {"add", "view"},
        # Their own updates only, and only on their own live blogs (articles.admin).
        ("articles", "liveupdate"): {"add", "change", "view"},
        ("articles", "galleryslide"): {"add", "change", "delete", "view"},
        ("articles", "correction"): {"view"},
        ("authors", "author"): {"change", "view"},
        ("images", EVERY_MODEL): {"add", "change", "view"},
        ("shows", EVERY_MODEL): {"add", "change", "view"},
    },
    EDITOR: {
        ("articles", EVERY_MODEL): ALL,
        ("authors", EVERY_MODEL): ALL,
        ("images", EVERY_MODEL): ALL,
        ("shows", EVERY_MODEL): ALL,
        ("newsletter", EVERY_MODEL): ALL,
        # Story reminders: who follows what and what was sent; subscriptions come
        # from browsers, so editors may remove one but never add or change it.
        ("reminders", EVERY_MODEL): {"view", "delete"},
    },
}


def permissions_for(role, *, using="default", permission_model=Permission):
    """The permissions `role` gets, from those that exist in the database now."""
    rules = ROLES[role]
    app_labels = {app_label for app_label, _ in rules}
    permissions = permission_model.objects.using(using).filter(
        content_type__app_label__in=app_labels
    )
    chosen = []
    for permission in permissions.select_related("content_type"):
        content_type = permission.content_type
        action = permission.codename.split("_", 1)[0]
        actions = rules.get(
            (content_type.app_label, content_type.model),
            rules.get((content_type.app_label, EVERY_MODEL)),
        )
        if actions is not None and (actions == ALL or action in actions):
            chosen.append(permission)
    return chosen


def sync_roles(*, using="default", group_model=Group, permission_model=Permission):
    """Create the groups if needed and set exactly their permissions.

    Returns {group name: number of permissions}. Migrations pass their historical
    models.
    """
    counts = {}
    with transaction.atomic(using=using):
        for role in ROLES:
            group, _ = group_model.objects.using(using).get_or_create(name=role)
            permissions = permissions_for(
                role, using=using, permission_model=permission_model
            )
            group.permissions.set(permissions)
            counts[role] = len(permissions)
    return counts


def sync_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    """post_migrate receiver: sync once, after the last app's permissions exist."""
    from django.apps import apps

    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    sync_roles(using=using)


def is_editor(user):
    """Editors publish, and do everything else on content; writers do not."""
    return user.has_perm(PUBLISH_PERMISSION)
