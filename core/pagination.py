"""Pagination of long lists that counts only as far as a reader can go next."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class LookaheadPaginator(Paginator):
    """A Paginator that counts at most `pages_ahead` pages past the page asked for.

    A topic with 17,000 stories does not need a COUNT of all 17,000 to show page 1
    and its "Next" link: counting the stories of the next few pages at most (one
    LIMITed count, which walks the same index as the list) tells whether the page
    exists (404 past the end) and whether there is a next one. When the count stops
    short of the end, `partial_count` is True and the total is not known: pages say
    "Page 3", not "Page 3 of 1,400". `?page=last` (the count asked for before any
    page) counts everything, as the plain Paginator does.
    """

    pages_ahead = 10

    def __init__(self, *args, pages_ahead=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pages_ahead is not None:
            self.pages_ahead = pages_ahead
        self._count_limit = None
        self.partial_count = False

    def page(self, number):
        if "count" not in self.__dict__:  # not counted yet: count only this far
            try:
                asked = int(number)
            except (TypeError, ValueError):
                asked = 0  # validate_number() below says what is wrong with it
            if asked > 0:
                shown = (asked + self.pages_ahead) * self.per_page + self.orphans
                self._count_limit = shown + 1  # one more: is there anything after?
        return super().page(number)

    @cached_property
    def count(self):
        limit = self._count_limit
        if limit is None:
            return super().count
        if hasattr(self.object_list, "query"):  # a queryset: SELECT COUNT(*) … LIMIT
            counted = self.object_list[:limit].count()
        else:
            counted = min(len(self.object_list), limit)
        self.partial_count = counted == limit
        return counted
