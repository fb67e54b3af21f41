"""Writers: the author index, author pages and the author admin rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Status
from authors.models import Author
from shows.models import Person
from tests.factories import make_article, make_author, make_user

pytestmark = pytest.mark.django_db


class TestAuthorIndex:
    def test_lists_writers_with_live_stories(self, client):
        grace = make_author("Grace Morris", role="Staff Writer", bio="Grace writes.")
        idle = make_author("No Stories Yet")
        make_article(authors=[grace])
        make_article(authors=[idle], status=Status.DRAFT)
        html = client.get("/authors/").content.decode()
        assert f'<a href="{grace.get_absolute_url()}">Grace Morris</a>' in html
        assert "Grace writes." in html
        assert "1 story" in html
        assert "No Stories Yet" not in html

    @pytest.mark.parametrize("n", [1, 25])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        for _ in range(n):
            make_article(authors=[make_author(with_photo=n == 1)])
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(4):
            response = client.get("/authors/")
        assert response.text.count('class="author-index__item"') == min(n, 24)

    @pytest.mark.parametrize("page", ["abc", "0", "3"])
    def test_bad_page_is_404_not_500(self, client, page):
        make_article()
        assert client.get(f"/authors/?page={page}").status_code == 404


class TestAuthorPage:
    def test_shows_profile_and_published_stories(self, client):
        grace = make_author(
            "Grace Morris",
            role="Staff Writer",
            full_bio="First paragraph.\n\nSecond paragraph.",
            instagram="https://www.instagram.com/example/",
            with_photo=True,
        )
        live = make_article(authors=[grace])
        draft = make_article(authors=[grace], status=Status.DRAFT)
        scheduled = make_article(
            authors=[grace], publish_at=timezone.now() + timedelta(hours=1)
        )
        response = client.get(grace.get_absolute_url())
        html = response.content.decode()
        assert list(response.context["articles"]) == [live]
        assert '<h1 class="page-title">Grace Morris</h1>' in html
        assert "<p>Second paragraph.</p>" in html
        assert 'href="https://www.instagram.com/example/"' in html
        assert draft.headline not in html
        assert scheduled.headline not in html
        assert f'alt="{grace.photo.alt_text}"' in html

    def test_unknown_author_is_404(self, client):
        assert client.get("/authors/nobody/").status_code == 404

    @pytest.mark.parametrize("page", ["abc", "0", "99999"])
    def test_bad_page_is_404_not_500(self, client, page):
        author = make_author()
        make_article(authors=[author])
        assert client.get(f"{author.get_absolute_url()}?page={page}").status_code == 404

    def test_paginates(self, client):
        author = make_author()
        for _ in range(13):
            make_article(authors=[author])
        assert "Page 1 of 2" in client.get(author.get_absolute_url()).text

    @pytest.mark.parametrize("n", [1, 12])
    def test_query_count_is_fixed(self, client, n, django_assert_max_num_queries):
        author = make_author(with_photo=True)
        for _ in range(n):
            make_article(authors=[author, make_author()], n_topics=2)
        # +1 on a cold cache: when the next scheduled story goes live.
        with django_assert_max_num_queries(7):
            response = client.get(author.get_absolute_url())
        assert response.text.count('class="card"') == n


class TestAuthorAdmin:
    def test_writer_can_edit_own_profile_but_not_its_account_or_address(self, client):
        writer = make_user("writer")
        own = make_author("Own Name", user=writer)
        client.force_login(writer)
        response = client.post(
            f"/admin/authors/author/{own.pk}/change/",
            {
                "name": "New Name",
                "slug": "hijacked",
                "user": "",
                "role": "Staff Writer",
                "bio": "Updated.",
                "full_bio": "",
                "website": "",
                "instagram": "",
                "x": "",
            },
        )
        assert response.status_code == 302
        own.refresh_from_db()
        assert (own.name, own.slug, own.user) == ("New Name", own.slug, writer)
        assert own.slug != "hijacked"

    def test_writer_cannot_edit_someone_elses_profile(self, client):
        writer = make_user("writer")
        other = make_author("Someone Else")
        client.force_login(writer)
        url = f"/admin/authors/author/{other.pk}/change/"
        response = client.post(url, {"name": "Defaced", "role": "x"})
        assert response.status_code == 403
        other.refresh_from_db()
        assert other.name == "Someone Else"

    def test_editor_can_edit_any_profile(self, client):
        client.force_login(make_user("editor"))
        other = make_author("Someone Else")
        response = client.get(f"/admin/authors/author/{other.pk}/change/")
        assert response.status_code == 200
        assert 'name="slug"' in response.text

    def test_only_editors_restore_profiles(self, client):
        client.force_login(make_user("writer"))
        assert client.get("/admin/authors/author/recover/").status_code == 403
        client.force_login(make_user("editor"))
        assert client.get("/admin/authors/author/recover/").status_code == 200


@pytest.mark.parametrize("model", [Author, Person])
def test_public_links_list_only_the_profiles_given_in_a_fixed_order(model):
    """Writers' and people's pages print these; blanks must not become empty links."""
    someone = model(name="Alice", x="https://x.com/alice", website="https://a.example")
    assert someone.links == [
        ("Website", "https://a.example"),
        ("X", "https://x.com/alice"),
    ]
    assert model(name="Nobody").links == []
