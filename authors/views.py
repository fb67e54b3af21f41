from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from authors.models import Author
from core.cache_tags import list_tag
from core.http import CacheableMixin
from core.pagination import LookaheadPaginator


class AuthorListView(CacheableMixin, ListView):
    template_name = "authors/author_list.html"
    cache_tags = (list_tag(Author), list_tag("article"))  # story counts
    context_object_name = "authors"
    paginate_by = 24

    def get_queryset(self):
        return Author.objects.for_index()


author_list = AuthorListView.as_view()


class AuthorDetailView(CacheableMixin, ListView):
    """A writer's profile and their stories, newest first."""

    template_name = "authors/author_detail.html"
    context_object_name = "articles"
    paginate_by = 12
    paginator_class = LookaheadPaginator  # no COUNT of every story they wrote

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.select_related("photo"), slug=self.kwargs["slug"]
        )
        return self.author.articles.published().for_cards()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


author_detail = AuthorDetailView.as_view()
