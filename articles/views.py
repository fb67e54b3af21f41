from django import forms
from django.conf import settings
from django.db.models import OuterRef, prefetch_related_objects
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, ListView
from django_ratelimit.core import is_ratelimited

from articles import previews, reads
from articles.models import (
    LIVE_COVERAGE,
    Article,
    Correction,
    Kind,
    Topic,
    kinds_of,
    page_prefetches,
    prefetch_format,
)
from core.cache_tags import list_tag
from core.clients import ratelimit_key
from core.fragments import Fragments, version_of, with_version
from core.http import CacheableMixin, cacheable
from core.limits import public_post_limit
from core.pagination import LookaheadPaginator
from core.security import is_same_origin

RELATED_STORIES = 4


def live_coverage_tags(article):
    """A live blog's page changes by itself when its coverage ends (no save says
    so): tag it for articles.models.next_coverage_end."""
    return [LIVE_COVERAGE] if article.is_live else []


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"
    FRAGMENTS = ["social", "head", "content"]

    def get_queryset(self):
        return with_version(
            Article.objects.visible_to(self.request.user).for_page_row().defer("body")
        )

    def get_context_data(self, **kwargs):
        """The page's costly pieces come from the fragment cache while nothing they
        show has changed (one query in all); what they print is fetched only when
        one of them is missing."""
        article = self.object
        fragments = Fragments(
            f"article:{article.pk}",
            self.FRAGMENTS,
            version=version_of(article),
            # A live blog under way changes by the minute and by the clock.
            enabled=article.is_published and not article.is_live,
        )
        if not fragments.complete:
            prefetch_related_objects([article], *page_prefetches())
            prefetch_format(article)
        return super().get_context_data(
            fragments=fragments,
            related=SimpleLazyObject(self.related_stories),
            **kwargs,
        )

    def related_stories(self):
        return list(
            Article.objects.published()
            .related_to(self.object)
            .defer("body", "body_html")
            .select_related("hero_image")[:RELATED_STORIES]
        )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.object.is_published:
            add_never_cache_headers(response)  # a draft must never reach a shared cache
            response["X-Robots-Tag"] = "noindex"
            return response
        return cacheable(response, *live_coverage_tags(self.object))


article_detail = ArticleDetailView.as_view()


@csrf_exempt  # a beacon carries no token: is_same_origin() stands in for it
@never_cache
@require_POST
@public_post_limit
def count_read(request, pk):
    """One read of a live story, for "most read" (static/js/reads.js sends it).

    Answers 204 and stores nothing about the reader (articles.reads). Refuses
    other sites' pages (403), too many beacons from one address (429) and stories
    that are not live or do not exist (404).
    """
    if not is_same_origin(request):
        return HttpResponseForbidden()
    if is_ratelimited(
        request,
        group="articles.reads",
        key=ratelimit_key,
        rate=settings.READS_RATE_PER_IP,
        increment=True,
    ):
        return HttpResponse(status=429)
    if not Article.objects.published().filter(pk=pk).exists():
        raise Http404("No such story.")
    reads.count_read(pk)
    reads.flush_if_due()
    return HttpResponse(status=204)


def indexnow_key(request, key):
    """/<INDEXNOW_KEY>.txt: search engines read the key here to trust our pings."""
    if not settings.INDEXNOW_KEY or key != settings.INDEXNOW_KEY:
        raise Http404("No such file.")
    response = HttpResponse(key, content_type="text/plain; charset=utf-8")
    return cacheable(response)


def article_preview(request, token):
    """A draft through a signed link, for reviewers without an account."""
    try:
        article_id, secret = previews.read(token)
    except previews.PreviewExpired:
        response = TemplateResponse(
            request, "articles/preview_expired.html", status=410
        )
        add_never_cache_headers(response)
        return response
    except previews.PreviewInvalid:
        raise Http404("No such preview.") from None
    # A link made before the editors revoked the story's links names an old secret.
    article = get_object_or_404(
        Article.objects.for_page(), pk=article_id, preview_secret=secret
    )
    if article.is_published:
        return redirect(article)
    prefetch_format(article)
    response = TemplateResponse(
        request,
        "articles/article_detail.html",
        {"article": article, "object": article, "is_preview_link": True},
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


class TopicListView(CacheableMixin, ListView):
    template_name = "articles/topic_list.html"
    cache_tags = (list_tag(Topic), list_tag(Article))  # story counts
    context_object_name = "topics"
    paginate_by = 48

    def get_queryset(self):
        return (
            Topic.objects.with_story_counts().filter(story_count__gt=0).order_by("name")
        )


topic_list = TopicListView.as_view()


class TopicDetailView(CacheableMixin, ListView):
    """A topic and its stories, newest first."""

    template_name = "articles/topic_detail.html"
    context_object_name = "articles"
    paginate_by = 12

    paginator_class = LookaheadPaginator  # no COUNT of every story in the topic

    def get_queryset(self):
        of_topic = Article.objects.published().filter(topics=OuterRef("pk"))
        self.topic = get_object_or_404(
            with_version(Topic.objects.annotate(**of_topic.kind_flags())),
            slug=self.kwargs["slug"],
        )
        self.stories = Article.objects.published().filter(topics=self.topic)
        self.kind = self.request.GET.get("kind", "")
        try:
            chosen = self.stories.of_kind(self.kind) if self.kind else self.stories
        except ValueError:
            raise Http404("No such kind of story.") from None
        return chosen.for_cards()

    def get_context_data(self, **kwargs):
        """The list of cards is a cached fragment per kind and page of the topic;
        its stories are only read (lazily, by the template) when it is missing."""
        context = super().get_context_data(
            topic=self.topic, kinds=kinds_of(self.topic), kind=self.kind, **kwargs
        )
        number = context["page_obj"].number
        context["fragments"] = Fragments(
            f"topic:{self.topic.pk}:{self.kind}:{number}",
            ["stories"],
            version=version_of(self.topic),
        )
        return context


topic_detail = TopicDetailView.as_view()


class UpdatesAfterForm(forms.Form):
    """`?after=<id>`: the newest update the reader's page already has."""

    after = forms.IntegerField(min_value=0, max_value=2**63 - 1)


@require_GET
def live_updates(request, slug):
    """A live blog's updates newer than `?after=<id>`, newest first, as JSON for
    static/js/liveblog.js: each with its id, whether it is pinned and its HTML (the
    page's own partial). `live` turns false when the coverage ends. The same for
    every reader, so cacheable like the page; `after` must be a whole number ≥ 0.
    """
    form = UpdatesAfterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "after: the id of the newest update you have, a whole number from 0.",
            content_type="text/plain; charset=utf-8",
        )
    article = get_object_or_404(
        Article.objects.published().filter(kind=Kind.LIVE), slug=slug
    )
    updates = article.live_updates.for_page().filter(pk__gt=form.cleaned_data["after"])
    data = {
        "live": article.is_live,
        "updates": [
            {
                "id": update.pk,
                "pinned": update.is_pinned,
                "html": render_to_string(
                    "articles/partials/live_update.html", {"update": update}
                ),
            }
            for update in updates
        ],
    }
    # Tagged with the story by reading it (core.cache_tags): a new or changed update
    # purges the cached answers, as it does the page.
    return cacheable(JsonResponse(data), *live_coverage_tags(article))


class CorrectionListView(CacheableMixin, ListView):
    """/corrections/: every correction and clarification, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 20

    def get_queryset(self):
        return (
            Correction.objects.visible()
            .select_related("article")
            .defer("article__body", "article__body_html")
        )


correction_list = CorrectionListView.as_view()
