"""The desk's rules: who has a story open, edit conflicts, takeovers, autosaves and
rescheduling from the calendar.

The admin's views and the story form call these, so each rule holds whichever way a
request arrives. A story's version is its `updated_at`: every save moves it (list
actions and workflow steps included, as `Article.save()` always writes it).
"""

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion import create_revision, set_comment, set_user
from reversion.models import Version

from articles import services as workflow
from articles.models import Article, Status
from core.history import field_changes
from core.roles import is_editor
from desk.models import Autosave, EditSession

# The story fields a conflict or an autosave is compared on (what the form edits).
COMPARE_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "hero_image",
    "hero_caption",
    "status",
    "publish_at",
    "is_featured",
    "target_date",
    "update_note",
    "seo_title",
    "seo_description",
]
# What an autosave keeps: the writing, never the workflow (status, publish time).
AUTOSAVE_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "hero_image",
    "hero_caption",
    "update_note",
    "seo_title",
    "seo_description",
]
# A history version begun this long before a save still names who saved.
SAVE_WINDOW = timedelta(minutes=2)
# What the search and share previews read from the form.
PREVIEW_FIELDS = ["headline", "slug", "standfirst", "seo_title", "seo_description"]
# Open tabs silent this long are forgotten.
SESSION_LIFETIME_DAYS = 2


class EditConflict(Exception):
    """The story changed after the one acting on it loaded it."""


# --- Versions and snapshots -----------------------------------------------------------
def version_token(article):
    return article.updated_at.isoformat()


def parse_version(value):
    """The datetime in a version token, or None when it is not one."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def snapshot(article):
    """The compared fields as strings or None (what a session keeps as its base)."""
    values = {}
    for name in COMPARE_FIELDS:
        model_field = Article._meta.get_field(name)
        empty = model_field.value_from_object(article) is None
        values[name] = None if empty else model_field.value_to_string(article)
    return values


def with_values(article, values):
    """A copy of `article` carrying `values` (strings, as a form or snapshot has)."""
    other = copy.copy(article)
    for name, value in values.items():
        model_field = Article._meta.get_field(name)
        if value in (None, ""):
            value = None if model_field.null else ""
        else:
            value = model_field.to_python(value)
        setattr(other, model_field.attname, value)
    return other


def differences(before, after, fields=COMPARE_FIELDS):
    """{field name: (label, rows)} of the fields that read differently.

    Rows are (kind, line) with kind "same", "removed" or "added" (the history's
    comparison). Fields whose text is the same once the markup is read as
    paragraphs are left out: the editor may write the same words as other HTML.
    """
    found = {}
    for name in fields:
        model_field = Article._meta.get_field(name)
        old = {model_field.attname: model_field.value_from_object(before)}
        for label, rows in field_changes(Article, old, after, [name]):
            if any(kind != "same" for kind, _line in rows):
                found[name] = (label, rows)
    return found


def form_value(article, name):
    """A simple field of the story as a form posts it (a string)."""
    value = Article._meta.get_field(name).value_from_object(article)
    return "" if value is None else str(value)


def last_change(article):
    """(user, when) of the story's last save: who from its newest history version
    when that version belongs to this save; else (None, updated_at).

    A version's time is when its save began, so it comes just before `updated_at`.
    Saves outside the back office (a shell, a command) leave no version.
    """
    version = (
        Version.objects.get_for_object(article)
        .select_related("revision__user__author")
        .first()
    )
    if version is None:
        return None, article.updated_at
    began = version.revision.date_created
    if not article.updated_at - SAVE_WINDOW <= began <= article.updated_at:
        return None, article.updated_at
    return version.revision.user, article.updated_at


def display_name(user):
    """How the desk names a colleague: their byline name, else their account."""
    if user is None:
        return _("Someone")
    author = getattr(user, "author", None)
    return (author.name if author else "") or user.get_full_name() or user.username


# --- Presence -------------------------------------------------------------------------
def open_session(*, article, user, base=None, base_version=None):
    """A new tab on the story's change page. Forgets tabs long gone."""
    now = timezone.now()
    EditSession.objects.filter(
        seen_at__lt=now - timedelta(days=SESSION_LIFETIME_DAYS)
    ).delete()
    return EditSession.objects.create(
        article=article,
        user=user,
        base_version=base_version or article.updated_at,
        base=base if base is not None else snapshot(article),
    )


def session_for(value, *, article, user):
    """The tab `value` names, if it is this user's tab on this story."""
    try:
        pk = uuid.UUID(str(value))
    except ValueError:
        return None
    return (
        EditSession.objects.select_related("taken_over_by__author")
        .filter(pk=pk, article=article, user=user)
        .first()
    )


def others_present(article, *, session):
    """Other people with the story open now, each once (their most recently
    active tab), the most recently active first."""
    tabs = (
        EditSession.objects.present()
        .filter(article=article)
        .exclude(user=session.user_id)
        .select_related("user__author")
        .order_by("-active_at")
    )
    people = {}
    for tab in tabs:
        people.setdefault(tab.user_id, tab)
    return list(people.values())


def heartbeat(*, session, active):
    """The tab is still open (and the editor did something, if `active`)."""
    now = timezone.now()
    session.seen_at = now
    fields = ["seen_at"]
    if active:
        session.active_at = now
        fields.append("active_at")
    session.save(update_fields=fields)


def close(session):
    """The tab was closed or left: it no longer counts as editing."""
    EditSession.objects.filter(pk=session.pk).update(
        seen_at=timezone.now() - settings.DESK_PRESENCE_TIMEOUT * 2
    )


def can_take_over(user, article):
    """Editors who may edit the story can take it over from a tab left open."""
    return is_editor(user) and workflow.can_edit(article, user)


def take_over(*, article, by, session=None):
    """End everyone else's open tabs on the story; returns how many.

    Their pages learn it at their next heartbeat, and a save from one of them is
    refused (their text stays in their form and their autosave).
    """
    if not can_take_over(by, article):
        raise PermissionDenied(_("Only editors can take over a story."))
    others = EditSession.objects.present().filter(article=article).exclude(user=by)
    if session is not None:
        others = others.exclude(pk=session.pk)
    return others.update(taken_over_by=by, taken_over_at=timezone.now())


def describe(session):
    """What a page shows of another tab."""
    return {
        "name": display_name(session.user),
        "active_at": session.active_at,
        "seen_at": session.seen_at,
    }


def state(*, session, article, user):
    """What the change page's heartbeat answers: who else is here, and whether the
    story moved on or the tab was taken over."""
    saved = None
    current = Article.objects.filter(pk=article.pk).values_list("updated_at", flat=True)
    current = current.first()
    if current is not None and current != session.base_version:
        article.updated_at = current
        by, when = last_change(article)
        saved = {"name": display_name(by), "at": when.isoformat()}
    taken = None
    if session.taken_over_by_id:
        taken = {
            "name": display_name(session.taken_over_by),
            "at": session.taken_over_at.isoformat(),
        }
    return {
        "others": [
            {
                "name": str(other["name"]),
                "active_at": other["active_at"].isoformat(),
                "seen_at": other["seen_at"].isoformat(),
            }
            for other in map(describe, others_present(article, session=session))
        ],
        "can_take_over": can_take_over(user, article),
        "saved_since_opened": saved,
        "taken_over": taken,
    }


# --- Conflicts ------------------------------------------------------------------------
@dataclass
class Conflict:
    """Why a save was refused, and what the others changed."""

    reason: str  # "saved" (someone saved after you opened it) or "taken_over"
    by: object
    at: datetime
    current: Article
    base: dict | None = None
    changes: list = field(default_factory=list)
    merged: bool = False

    @property
    def by_name(self):
        return display_name(self.by)


def find_conflict(*, article, version, session=None):
    """A Conflict if saving over `article` now would overwrite someone else's work.

    `version` is the token the form was opened with (None: not given, so nothing to
    check). The story row is locked until the transaction ends, so of two saves at
    the same moment the second one sees the first.
    """
    if article.pk is None:
        return None
    current = Article.objects.select_for_update().filter(pk=article.pk).first()
    if current is None:
        return None
    if session is not None and session.taken_over_by_id:
        return Conflict(
            reason="taken_over",
            by=session.taken_over_by,
            at=session.taken_over_at,
            current=current,
            base=session.base,
        )
    if version is None:
        return None
    opened = parse_version(version)
    if opened is not None and opened == current.updated_at:
        return None
    by, when = last_change(current)
    base = session.base if session and session.base_version == opened else None
    return Conflict(reason="saved", by=by, at=when, current=current, base=base)


def explain(conflict, yours):
    """Fill in what the others changed and which of those fields you changed too.

    Compared with what the tab opened when that is known; else the saved story is
    compared with `yours`. `changes` is [{"name", "label", "rows", "also_yours"}];
    `merged` says whether the others' changes can go into your form as they are
    (known only with what the tab opened).
    """
    current = conflict.current
    if conflict.base:
        opened = with_values(current, conflict.base)
        yours_changed = set(differences(opened, yours))
        changes = differences(opened, current)
    else:
        yours_changed = set()
        changes = differences(current, yours)
    conflict.merged = bool(conflict.base)
    conflict.changes = [
        {
            "name": name,
            "label": str(label),
            "rows": rows,
            "also_yours": name in yours_changed,
        }
        for name, (label, rows) in changes.items()
    ]
    return conflict


# --- Autosave -------------------------------------------------------------------------
def autosave(*, article, user, data, session=None):
    """Keep the editor's unsaved fields, privately; the story is not touched."""
    base_version = session.base_version if session else article.updated_at
    saved, _created = Autosave.objects.update_or_create(
        article=article,
        user=user,
        defaults={
            "data": {name: data.get(name, "") for name in AUTOSAVE_FIELDS},
            "base_version": base_version,
            "session": session,
            "saved_at": timezone.now(),
        },
    )
    return saved


@dataclass
class Restore:
    """What restoring an autosave puts in the form, and on which version."""

    data: dict
    version: datetime
    changes: dict

    def clashes_with(self, article):
        """The story was saved since, in a field the autosave changed too."""
        return self.version != article.updated_at


def restorable(article, saved):
    """The editor's own autosaved changes on top of the story as it is now.

    Fields the autosave left as its tab opened them take the story's current
    value, so restoring never brings back what others changed since. When a field
    was changed on both sides (or the tab's starting point is unknown and the story
    moved on), the restored form keeps the autosave's older version, so saving it
    shows the comparison first.
    """
    mine = with_values(article, saved.data)
    base = saved.session.base if saved.session else None
    if base:
        opened = with_values(article, base)
        mine_changed = differences(opened, mine, AUTOSAVE_FIELDS)
        theirs_changed = differences(opened, article, AUTOSAVE_FIELDS)
        data = {
            name: saved.data.get(name, "")
            if name in mine_changed
            else form_value(article, name)
            for name in AUTOSAVE_FIELDS
        }
        clash = bool(set(mine_changed) & set(theirs_changed))
    else:
        data = {name: saved.data.get(name, "") for name in AUTOSAVE_FIELDS}
        clash = saved.base_version != article.updated_at
    changes = differences(article, with_values(article, data), AUTOSAVE_FIELDS)
    version = saved.base_version if clash else article.updated_at
    return Restore(data=data, version=version, changes=changes)


def pending_autosave(article, user):
    """(autosave, Restore) when `user` has autosaved text that would change the
    story as saved; else (None, None)."""
    saved = (
        Autosave.objects.filter(article=article, user=user)
        .select_related("session")
        .first()
    )
    if saved is None:
        return None, None
    restore = restorable(article, saved)
    return (saved, restore) if restore.changes else (None, None)


def discard_autosave(*, article, user):
    Autosave.objects.filter(article=article, user=user).delete()


# --- Calendar -------------------------------------------------------------------------
def reschedule(*, article, by, when, version=None):
    """Move a story on the calendar: an editor's step, through the workflow rules.

    A scheduled story gets a new publish time (in the future); a draft or a story in
    review gets a new target date. A live story stays where it is: readers have it.
    """
    if not is_editor(by):
        raise PermissionDenied(_("Only editors can reschedule stories."))
    with transaction.atomic(), create_revision():
        current = Article.objects.select_for_update().get(pk=article.pk)
        if version is not None and parse_version(version) != current.updated_at:
            raise EditConflict(
                _("“%(story)s” changed after the calendar was loaded; look again.")
                % {"story": current}
            )
        if current.is_published:
            raise workflow.WorkflowError(
                _("“%(story)s” is live: unpublish it before moving it.")
                % {"story": current}
            )
        if current.status == Status.PUBLISHED:
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            if when <= timezone.now():
                raise workflow.WorkflowError(
                    _("Pick a time in the future to schedule “%(story)s”.")
                    % {"story": current}
                )
            workflow.article_publish(article=current, by=by, at=when)
        else:
            day = when.date() if isinstance(when, datetime) else when
            current.target_date = day
            current.save(update_fields=["target_date"])
        set_user(by)
        set_comment(_("Rescheduled on the calendar."))
    return current


def day_start(day):
    """The first moment of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
