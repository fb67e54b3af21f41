from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from core.cache_tags import list_tag
from core.http import CacheableMixin
from shows.forms import ShowFilterForm
from shows.models import Person, Show

STORIES_PER_PAGE = 6


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
    template_name = "shows/show_detail.html"
    context_object_name = "show"
    queryset = Show.objects.for_page()

    def get_context_data(self, **kwargs):
        stories = story_cards(self.object.articles)
        return super().get_context_data(stories=stories, **kwargs)


class PersonDetailView(CacheableMixin, DetailView):
    template_name = "shows/person_detail.html"
    context_object_name = "person"
    queryset = Person.objects.for_page()

    def get_context_data(self, **kwargs):
        stories = story_cards(self.object.articles)
        return super().get_context_data(stories=stories, **kwargs)
