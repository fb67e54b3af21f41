"""The Writer and Editor groups: created by migrations and setup_roles, kept in sync."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from core.roles import EDITOR, WRITER, sync_roles
from shows.models import Show

pytestmark = pytest.mark.django_db


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


class TestGroups:
    def test_migrate_creates_both_groups_with_permissions(self):
        """The test database was built by migrate: the groups are already there."""
        assert "articles.add_article" in codenames(WRITER)
        assert "articles.publish_article" in codenames(EDITOR)

    def test_writer_permissions(self):
        perms = codenames(WRITER)
        expected = {
            "articles.add_article",
            "articles.change_article",
            "articles.view_article",
            "articles.add_topic",
            "articles.view_topic",
            "authors.view_author",
            "images.add_image",
            "images.change_image",
            "shows.add_show",
            "shows.change_show",
            "shows.view_network",
        }
        assert expected <= perms
        forbidden = {
            "articles.publish_article",
            "articles.preview_article",
            "articles.delete_article",
            "articles.change_topic",
            "authors.add_author",
            "images.delete_image",
            "shows.delete_show",
        }
        assert not forbidden & perms
        assert not any(p.startswith("newsletter.") for p in perms)

    def test_editor_has_everything_on_content_and_the_newsletter(self):
        perms = codenames(EDITOR)
        for app_label in ("articles", "authors", "images", "shows", "newsletter"):
            every = {
                f"{app_label}.{p.codename}"
                for p in Permission.objects.filter(content_type__app_label=app_label)
            }
            assert every, app_label
            assert every <= perms, app_label
        assert not any(p.startswith(("auth.", "sessions.")) for p in perms)

    def test_permissions_added_later_are_picked_up(self):
        """Models other apps add later get their permissions at the next sync."""
        content_type = ContentType.objects.get_for_model(Show)
        new = Permission.objects.create(
            codename="add_showextra",
            name="Can add show extra",
            content_type=content_type,
        )
        sync_roles()
        assert new in Group.objects.get(name=WRITER).permissions.all()
        assert new in Group.objects.get(name=EDITOR).permissions.all()

    def test_sync_removes_what_someone_granted_by_hand(self):
        writer = Group.objects.get(name=WRITER)
        writer.permissions.add(Permission.objects.get(codename="publish_article"))
        sync_roles()
        assert "articles.publish_article" not in codenames(WRITER)

    def test_setup_roles_command_is_idempotent_and_reports(self):
        out = io.StringIO()
        call_command("setup_roles", stdout=out)
        call_command("setup_roles", stdout=out)
        assert Group.objects.filter(name__in=[WRITER, EDITOR]).count() == 2
        assert "Writer:" in out.getvalue()
        assert "Roles are up to date." in out.getvalue()

    def test_groups_come_back_after_being_deleted(self):
        Group.objects.filter(name=WRITER).delete()
        call_command("setup_roles", stdout=io.StringIO())
        assert "articles.add_article" in codenames(WRITER)
