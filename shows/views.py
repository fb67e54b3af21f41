from django.core.paginator import InvalidPage
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from core.cache_tags import list_tag
from core.fragments import Fragments, version_of, with_version
from core.http import CacheableMixin
from core.pagination import FirstPage, LookaheadPaginator
from shows.forms import ShowFilterForm
from shows.models import (
    Episode,
    Person,
    Season,
    Show,
    WatchOffer,
    WatchOptions,
    show_page_prefetches,
    site_region,
    started,
)

STORIES_PER_PAGE = 6
# Our reviews listed beside the critics' ratings; the rest are a link away
# (`?kind=review`): a long-running show has hundreds.
REVIEWS_BESIDE_RATINGS = 6


def story_cards(articles):
    """The latest reader-visible stories of a related manager, ready for cards."""
    return articles.published().for_cards()[:STORIES_PER_PAGE]


class ShowListView(CacheableMixin, ListView):
    template_name = "shows/show_list.html"
    cache_tags = (list_tag(Show),)
    context_object_name = "shows"
    paginate_by = 24

    def get(self, request, *args, **kwargs):
        self.filters = ShowFilterForm(request.GET)
        if not self.filters.is_valid():
            # Only a hand-edited URL sends a value the form does not offer.
            raise Http404(_("No such network or status."))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Show.objects.for_cards().filtered(**self.filters.cleaned_data)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


class ShowDetailView(CacheableMixin, DetailView):
    """A show: its facts, where to watch it, our latest reviews beside the critics'
    ratings, and its stories, newest first, a page at a time (`?kind=` keeps one
    kind of story, `?page=` pages back). Its pieces come from the fragment cache
    while nothing they show has changed; their data is read only when one of them
    is missing."""

    template_name = "shows/show_detail.html"
    context_object_name = "show"
    FRAGMENTS = ["social", "head", "content"]

    def get_queryset(self):
        return with_version(Show.objects.for_page_row())

    def get_context_data(self, **kwargs):
        show = self.object
        kind = self.request.GET.get("kind", "")
        published = show.articles.published()
        try:
            stories = published.of_kind(kind) if kind else published
        except ValueError:
            raise Http404(_("No such kind of story.")) from None
        number, page_obj = self._page(
            stories.for_cards(), self.request.GET.get("page", "1")
        )
        fragments = Fragments(
            f"show:{show.pk}:{kind}:{number}",
            self.FRAGMENTS,
            version=version_of(show),
        )
        if not fragments.complete:
            prefetch_related_objects([show], *show_page_prefetches())
        reviews = SimpleLazyObject(
            lambda: list(
                published.reviews()
                .defer("body", "body_html")
                .select_related("subject_season", "subject_episode__season")[
                    : REVIEWS_BESIDE_RATINGS
                    + 1  # one more: are there others?
                ]
            )
        )
        return super().get_context_data(
            fragments=fragments,
            stories=SimpleLazyObject(lambda: page_obj.object_list),
            page_obj=page_obj,
            kinds=SimpleLazyObject(published.kinds),
            kind=kind,
            reviews=SimpleLazyObject(lambda: reviews[:REVIEWS_BESIDE_RATINGS]),
            more_reviews=SimpleLazyObject(
                lambda: len(reviews) > REVIEWS_BESIDE_RATINGS
            ),
            **kwargs,
        )

    @staticmethod
    def _page(stories, number):
        """(number, page) of the stories asked for. Page 1 always exists, so it is
        counted only if the uncached page is drawn; any other is checked at once
        (404 past the end)."""
        paginator = LookaheadPaginator(stories, STORIES_PER_PAGE)
        if number == "1":
            return 1, FirstPage(paginator)
        try:
            page = paginator.page(number)
        except InvalidPage:
            raise Http404(_("No such page.")) from None
        return page.number, page


class SeasonDetailView(CacheableMixin, DetailView):
    """A season: its episodes with air dates and recaps, our reviews beside the
    critics' ratings, and where to watch it."""

    template_name = "shows/season_detail.html"
    context_object_name = "season"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Season.objects.select_related(
                "show__network", "show__poster", "show__key_art"
            ).prefetch_related(
                Prefetch("episodes", queryset=Episode.objects.for_season_page()),
                "ratings",
            ),
            show__slug=self.kwargs["slug"],
            number=self.kwargs["number"],
        )

    def get_context_data(self, **kwargs):
        season = self.object
        stories = list(
            season.show.articles.published()
            .about_season(season)
            .select_related("subject_season", "subject_episode__season")
            .for_cards()
        )
        recaps = {}
        for story in stories:
            if story.is_recap:
                recaps.setdefault(story.subject_episode_id, []).append(story)
        for episode in season.episodes.all():
            episode.recaps = recaps.get(episode.pk, [])
        offers = (
            season.show.watch_offers.not_ended()
            .filter(Q(season__isnull=True) | Q(season=season))
            .select_related("provider", "season")
        )
        return super().get_context_data(
            show=season.show,
            reviews=[story for story in stories if story.is_review],
            watch=WatchOptions.of(started(offers)),
            **kwargs,
        )


class WatchListView(CacheableMixin, ListView):
    """/watch/: what can be watched now in the site's country, by service."""

    template_name = "shows/watch_list.html"
    context_object_name = "offers"
    cache_tags = (list_tag(WatchOffer),)

    def get_queryset(self):
        return started(WatchOffer.objects.for_watch_page())

    def get_context_data(self, **kwargs):
        return super().get_context_data(region=site_region(), **kwargs)


class PersonDetailView(CacheableMixin, DetailView):
    template_name = "shows/person_detail.html"
    context_object_name = "person"
    queryset = Person.objects.for_page()

    def get_context_data(self, **kwargs):
        stories = story_cards(self.object.articles)
        return super().get_context_data(stories=stories, **kwargs)
