"""Pagination of long lists without a COUNT of the whole list on its own."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from django.utils.functional import cached_property

MAX_LIMIT = 2**62  # within every database's 64-bit LIMIT


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
                # One more: is there anything after? Never past what a database's
                # LIMIT takes (a page number of 30 digits is past the end anyway).
                self._count_limit = min(shown + 1, MAX_LIMIT)
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


class WindowCountPaginator(Paginator):
    """A Paginator that reads a page and the total in one query: each row of the
    page carries the number of rows in all (COUNT(*) OVER ()).

    For a list whose rows cost as much to count as to order, a search for one: both
    read every match, and a broad search has thousands. The page's rows are a list,
    not a queryset. A page with no row to carry the total (past the end, or an empty
    list) costs a separate count, as does `?page=last` (the count asked for before
    any page), as with the plain Paginator.
    """

    TOTAL = "paginator_total"

    def page(self, number):
        if "count" in self.__dict__:
            return super().page(number)
        number = self._positive(number)
        bottom = (number - 1) * self.per_page
        with_total = self.object_list.annotate(**{self.TOTAL: Window(Count("*"))})
        rows = list(with_total[bottom : bottom + self.per_page + self.orphans])
        if rows:
            self.__dict__["count"] = getattr(rows[0], self.TOTAL)
        number = self.validate_number(number)  # 404 past the end
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows[: top - bottom], number, self)

    def _positive(self, number):
        """Paginator.validate_number()'s checks that need no count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page >= MAX_LIMIT:  # past any database's OFFSET
            raise EmptyPage(self.error_messages["no_results"])
        return number


class FirstPage:
    """Page 1 of `paginator`, read (and counted) only when more than its number is
    asked for: a page drawn from cached fragments needs only the number (the
    canonical link), and page 1 always exists. (Not a lazy object: templates try
    `page_obj["number"]` first, which would read it.)"""

    number = 1

    def __init__(self, paginator):
        self._paginator = paginator

    @cached_property
    def _page(self):
        return self._paginator.page(1)

    def __getattr__(self, name):
        return getattr(self._page, name)
