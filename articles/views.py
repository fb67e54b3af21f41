from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView
from django_ratelimit.core import is_ratelimited

from articles import previews, reads
from articles.models import Article, Topic
from core.cache_tags import list_tag
from core.clients import ratelimit_key
from core.http import CacheableMixin, cacheable
from core.limits import public_post_limit
from core.security import is_same_origin

RELATED_STORIES = 4


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.visible_to(self.request.user).for_page()

    def get_context_data(self, **kwargs):
        related = (
            Article.objects.published()
            .related_to(self.object)
            .defer("body", "body_html")
            .select_related("hero_image")[:RELATED_STORIES]
        )
        return super().get_context_data(related=related, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.object.is_published:
            add_never_cache_headers(response)  # a draft must never reach a shared cache
            response["X-Robots-Tag"] = "noindex"
            return response
        return cacheable(response)


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

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Article.objects.published().filter(topics=self.topic).for_cards()

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


topic_detail = TopicDetailView.as_view()
