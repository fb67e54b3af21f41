"""Site-wide views: home page, search, robots.txt and health check."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import ListView, TemplateView

from articles import search
from articles.models import Article, Topic, prefetch_for_cards
from articles.navigation import navigation_topics
from core.cache_tags import list_tag
from core.http import CacheableMixin, cacheable
from shows.models import Person, Show


class HomeView(CacheableMixin, TemplateView):
    """The lead story, the latest stories, the most read, shows in the news and a
    rail per navigation topic, in a fixed number of queries: the cards' bylines and
    topics are fetched once for the stories of every section."""

    template_name = "newsroom/home.html"
    cache_tags = (list_tag(Article),)
    latest_count = 12
    beside_lead = 4
    rail_size = 4
    shows_count = 6
    most_read_count = 5

    def get_context_data(self, **kwargs):
        live = Article.objects.published()
        lead, latest = live.front_page(self.latest_count)
        rails = Topic.objects.rails(
            per_topic=self.rail_size, topics=navigation_topics(), cards=False
        )
        on_rails = [story for _topic, stories in rails for story in stories]
        prefetch_for_cards([*filter(None, [lead]), *latest, *on_rails])
        most_read = live.most_read()
        return super().get_context_data(
            lead=lead,
            latest=latest[: self.beside_lead],
            more=latest[self.beside_lead :],
            rails=rails,
            shows_in_news=live.shows_in_the_news()[: self.shows_count],
            most_read=most_read.only("slug", *Article.PUBLIC_TEXT_FIELDS)[
                : self.most_read_count
            ],
            **kwargs,
        )


home = HomeView.as_view()


class SearchView(CacheableMixin, ListView):
    """/search/?q=: shows and people named by the query, then matching stories.

    The same for every reader, so cacheable like the other reader pages.
    """

    template_name = "newsroom/search.html"
    context_object_name = "stories"
    cache_tags = (list_tag(Article), list_tag(Show), list_tag(Person))
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.form = search.SearchForm(request.GET)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return search.stories_matching(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, query=self.query, **kwargs)
        search.add_highlights(context["stories"], self.query)
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
