"""Search for /search/: stories, and the shows and people a query names.

On PostgreSQL stories are found by full-text search in the search table
(ArticleSearch: headline weight A, standfirst B, body text C; kept by a trigger,
GIN-indexed), ranked by how well their headline and standfirst match (ts_rank over
those two, the headline weighing most), then newest first, and shown with
ts_headline snippets. Elsewhere (SQLite) a story matches when each word of the query
is in its headline, standfirst or body; headline matches rank first, then standfirst
matches, then the newest. Either way only published stories are searched.

The page paginates matches() (on PostgreSQL the narrow search rows, so counting and
ranking thousands of matches never reads the wide story rows) and reads only its
own page's stories with stories_of().
"""

import html
import re

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, Func, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles.body import SPOILER_PARAGRAPH, without_spoilers
from articles.models import Article, ArticleSearch, card_prefetches
from core.publishing import live
from shows.models import Person, Show

CONFIG = "english"  # the same text-search configuration as the trigger (0005)
MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
# Highlight marks as ts_headline (or the fallback) returns them; they become <mark>
# only after the text around them is escaped. Private-use characters: no reader
# types them, and the form removes them from queries.
START, STOP = "\ue000", "\ue001"
TAG = re.compile(r"<[^>]*>")
SNIPPET_WORDS = 30


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search stories, shows and people"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        error_messages={
            "max_length": _(
                "That is too long to search for: use at most %(limit_value)d "
                "characters (it has %(show_value)d)."
            ),
        },
    )

    def clean_q(self):
        """Control characters out (NUL is refused by the field), spaces collapsed."""
        text = "".join(
            char
            for char in self.cleaned_data["q"]
            if char.isprintable() and char not in (START, STOP)
        )
        return " ".join(text.split())


def query_words(query):
    """The words of a query, without operators or punctuation (at most MAX_WORDS)."""
    return re.findall(r"\w+", query)[:MAX_WORDS]


def full_text_search():
    return connection.vendor == "postgresql"


def matches(query):
    """What matches `query` among published stories, best first, to paginate: on
    PostgreSQL search rows (ArticleSearch, whose pk is the story's), elsewhere the
    stories themselves. stories_of() turns a page of them into stories."""
    if full_text_search():
        if not query:
            return ArticleSearch.objects.none()
        terms = _terms(query)
        return (
            ArticleSearch.objects.filter(live(), vector=terms)
            .only("pk")  # stories_of() reads the stories themselves
            .annotate(rank=SearchRank(F("title_vector"), terms))
            .order_by("-rank", "-publish_at", "-pk")
        )
    stories = _stories().defer("body")
    if not query:
        return stories.none()
    return _word_match(stories, query)


def stories_of(page, query):
    """The stories of `page` (a slice of matches(query)) in its order, each with
    `headline_html` and `snippet_html`: one query, and one per card prefetch."""
    if full_text_search():
        ranked = page.values("pk") if hasattr(page, "query") else [r.pk for r in page]
        stories = _full_text(
            _stories().defer("body", "body_html").filter(pk__in=ranked), query
        )
    else:
        stories = page
    stories = list(stories)
    add_highlights(stories, query)
    return stories


def stories_matching(query):
    """Every published story matching `query`, best first, as a result prints it."""
    return stories_of(matches(query), query)


def _stories():
    return (
        Article.objects.published()
        .select_related("hero_image")
        .prefetch_related(*card_prefetches())
    )


def _terms(query):
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _full_text(stories, query):
    """`stories` in the order of matches() (the same rank from their search rows),
    with ts_headline's marked headline and snippet."""
    terms = _terms(query)
    # Spoiler passages never reach a snippet: they go before the tags do.
    spoiler_free = Func(
        F("body"),
        Value(SPOILER_PARAGRAPH),
        Value(" "),
        Value("g"),
        function="regexp_replace",
    )
    body_text = Func(
        spoiler_free,
        Value(TAG.pattern),
        Value(" "),
        Value("g"),
        function="regexp_replace",
    )
    marks = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
    return stories.annotate(
        rank=SearchRank(F("search_row__title_vector"), terms),
        marked_headline=SearchHeadline("headline", terms, highlight_all=True, **marks),
        marked_snippet=SearchHeadline(
            body_text,
            terms,
            max_words=SNIPPET_WORDS,
            min_words=15,
            **marks,
        ),
    ).order_by("-rank", "-search_row__publish_at", "-pk")


def _word_match(stories, query):
    words = query_words(query)
    if not words:
        return stories.none()
    rank = Value(0)
    for word in words:
        stories = stories.filter(
            Q(headline__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
        )
        rank += Case(
            When(headline__icontains=word, then=Value(3)),
            When(standfirst__icontains=word, then=Value(2)),
            default=Value(1),
        )
    return stories.annotate(rank=rank).order_by("-rank", "-publish_at", "-pk")


def add_highlights(stories, query):
    """Give each story `headline_html` and `snippet_html`: escaped text with the
    query's words in <mark>. A story whose spoilers have not lifted shows its
    spoiler-free headline; no snippet ever shows a spoiler passage."""
    words = query_words(query)
    for story in stories:
        if hasattr(story, "marked_headline"):
            headline = story.marked_headline
            # From the stored HTML with its tags removed: character references
            # ("&lt;") are still there. Decoding them in SQL instead would turn
            # "&lt;cast&gt;" into a tag that ts_headline drops.
            snippet = html.unescape(story.marked_snippet)
        else:
            headline = _mark(story.headline, words)
            snippet = _snippet(_text_of(without_spoilers(story.body_html)), words)
        if story.public_headline != story.headline:
            headline = _mark(story.public_headline, words)
        story.headline_html = _highlighted(headline)
        story.snippet_html = _highlighted(snippet)


def _highlighted(marked):
    safe = escape(marked).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(safe)  # noqa: S308 - escaped above; only our marks are HTML


def _text_of(body_html):
    return " ".join(html.unescape(TAG.sub(" ", body_html or "")).split())


def _pattern(words):
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


def _mark(text, words):
    if not words:
        return text
    return _pattern(words).sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


def _snippet(text, words):
    """About SNIPPET_WORDS words of `text` around the first word of the query found."""
    found = _pattern(words).search(text) if words else None
    all_words = text.split()
    if found is None:
        start = 0
    else:
        start = max(0, len(text[: found.start()].split()) - SNIPPET_WORDS // 3)
    chosen = all_words[start : start + SNIPPET_WORDS]
    snippet = " ".join(chosen)
    if start > 0:
        snippet = "… " + snippet
    if start + SNIPPET_WORDS < len(all_words):
        snippet += " …"
    return _mark(snippet, words)


def shows_matching(query, limit=6):
    """Shows whose title holds every word of the query."""
    words = query_words(query)
    if not words:
        return Show.objects.none()
    shows = Show.objects.select_related("network", "poster")
    return shows.filter(*(Q(title__icontains=word) for word in words))[:limit]


def people_matching(query, limit=6):
    """People whose name holds every word of the query."""
    words = query_words(query)
    if not words:
        return Person.objects.none()
    people = Person.objects.select_related("photo")
    return people.filter(*(Q(name__icontains=word) for word in words))[:limit]
