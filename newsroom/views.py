"""Site-wide views: home page, search, robots.txt, health check, and the staff's
second-factor pages."""

import functools
from base64 import b32encode

import segno
from django.contrib import admin, messages
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.crypto import get_random_string
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import ListView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import search
from articles.models import Article, Topic, prefetch_for_cards
from articles.navigation import navigation_topics
from core.cache_tags import list_tag
from core.fragments import Fragments
from core.http import CacheableMixin, cacheable
from core.pagination import WindowCountPaginator
from newsroom import twofactor
from newsroom.forms import OneTimeCodeForm
from shows.models import Person, Show


class HomeView(CacheableMixin, TemplateView):
    """The lead story, the latest stories, the most read, shows in the news and a
    rail per navigation topic, in a fixed number of queries: the cards' bylines and
    topics are fetched once for the stories of every section.

    The sections are a cached fragment while the content and the most-read list
    stay the same (core.fragments); they are read only when it is missing.
    """

    template_name = "newsroom/home.html"
    cache_tags = (list_tag(Article),)
    latest_count = 12
    beside_lead = 4
    rail_size = 4
    shows_count = 6
    most_read_count = 5

    def get_context_data(self, **kwargs):
        most_read = list(
            Article.objects.published()
            .most_read()
            .only("slug", *Article.PUBLIC_TEXT_FIELDS)[: self.most_read_count]
        )
        read_ids = "-".join(str(story.pk) for story in most_read)
        sections = functools.cache(self.sections)  # read at most once, if at all
        lazy = {
            name: SimpleLazyObject(lambda name=name: sections()[name])
            for name in ("lead", "latest", "more", "rails", "shows_in_news")
        }
        return super().get_context_data(
            fragments=Fragments(f"home:{read_ids}", ["front"]),
            most_read=most_read,
            **lazy,
            **kwargs,
        )

    def sections(self):
        live = Article.objects.published()
        lead, latest = live.front_page(self.latest_count)
        rails = Topic.objects.rails(
            per_topic=self.rail_size, topics=navigation_topics(), cards=False
        )
        on_rails = [story for _topic, stories in rails for story in stories]
        prefetch_for_cards([*filter(None, [lead]), *latest, *on_rails])
        return {
            "lead": lead,
            "latest": latest[: self.beside_lead],
            "more": latest[self.beside_lead :],
            "rails": rails,
            "shows_in_news": list(live.shows_in_the_news()[: self.shows_count]),
        }


home = HomeView.as_view()


class SearchView(CacheableMixin, ListView):
    """/search/?q=: shows and people named by the query, then matching stories.

    The same for every reader, so cacheable like the other reader pages.
    """

    template_name = "newsroom/search.html"
    context_object_name = "stories"
    cache_tags = (list_tag(Article), list_tag(Show), list_tag(Person))
    paginate_by = 20
    # Counting a broad search's matches costs as much as ranking them: one query.
    paginator_class = WindowCountPaginator

    def get(self, request, *args, **kwargs):
        self.form = search.SearchForm(request.GET)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return search.matches(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, query=self.query, **kwargs)
        context["stories"] = search.stories_of(context["stories"], self.query)
        if context["page_obj"].number == 1:
            context["shows"] = search.shows_matching(self.query)
            context["people"] = search.people_matching(self.query)
        return context


search_page = SearchView.as_view()


@require_GET
def robots_txt(request):
    """Crawlers: stay out of the back office, previews, search and token pages;
    the sitemaps list everything else."""
    response = TemplateResponse(
        request, "robots.txt", content_type="text/plain; charset=utf-8"
    )
    return cacheable(response)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send the site's icon."""
    response = redirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "down" to a load balancer
        return False


def _cache_ok():
    key, value = "healthz:probe", get_random_string(12)
    try:
        cache.set(key, value, timeout=10)
        return cache.get(key) == value
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request):
    """JSON health of the database and the cache: 200 when both answer, else 503."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "error",
        **{name: "ok" if ok else "error" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


# --- Second factor for staff (newsroom.twofactor) --------------------------------


def _after_second_factor(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return redirect(target)


def _second_factor_page(request, template, context):
    context = {
        **admin.site.each_context(request),
        "next": request.POST.get("next") or request.GET.get("next") or "",
        **context,
    }
    return TemplateResponse(request, template, context)


def second_factor_verify(request):
    """The code from the user's authenticator app, after their password."""
    devices = list(twofactor.confirmed_devices(request.user))
    if not devices:
        return redirect("second_factor_setup")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        # verify_token() refuses a reused code and slows down repeated guesses.
        device = next((d for d in devices if d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            twofactor.step_done(request)
            return _after_second_factor(request)
        form.add_error(
            "otp_token",
            _("That code is not right, or it has expired. Enter the code shown now."),
        )
    return _second_factor_page(
        request,
        "admin/second_factor/verify.html",
        {"form": form, "title": _("Two-step sign-in")},
    )


def second_factor_setup(request):
    """Add an authenticator app: scan the QR code, then enter a code it shows."""
    user = request.user
    if twofactor.confirmed_devices(user).exists() and not user.is_verified():
        # Adding another app takes the one already added, or a stolen password
        # could enrol the thief's phone.
        return redirect(f"{reverse('second_factor_verify')}?next={request.path}")
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            twofactor.step_done(request)
            messages.success(
                request,
                _("Two-step sign-in is on: sign-ins now ask for a code from the app."),
            )
            return _after_second_factor(request)
        form.add_error(
            "otp_token",
            _("That code is not right. Check the app's clock and the code shown now."),
        )
    secret = b32encode(device.bin_key).decode()
    return _second_factor_page(
        request,
        "admin/second_factor/setup.html",
        {
            "form": form,
            "title": _("Set up two-step sign-in"),
            "qr_code": mark_safe(  # noqa: S308 (SVG made by segno from our own URL)
                segno.make(device.config_url, error="m").svg_inline(
                    scale=5, title=_("QR code for your authenticator app")
                )
            ),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": twofactor.is_required(user),
        },
    )
