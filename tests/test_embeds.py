"""Click-to-load embeds: links become placeholders that fetch nothing before a click."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from core.embeds import embed_for_url

JS = Path(settings.BASE_DIR) / "static" / "js" / "embeds.js"


class TestEmbedForUrl:
    @pytest.mark.parametrize(
        ("url", "provider", "embed_id", "player"),
        [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "youtube",
                "dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ?si=share",
                "youtube",
                "dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
            ),
            (
                "https://m.youtube.com/shorts/dQw4w9WgXcQ",
                "youtube",
                "dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
            ),
            (
                "https://vimeo.com/channels/staffpicks/76979871",
                "vimeo",
                "76979871",
                "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1",
            ),
            (
                "https://www.instagram.com/reel/CcZ1x2yLm3n/?igshid=x",
                "instagram",
                "CcZ1x2yLm3n",
                "https://www.instagram.com/reel/CcZ1x2yLm3n/embed/",
            ),
            (
                "https://twitter.com/netflix/status/1525129375926095872",
                "x",
                "1525129375926095872",
                "https://platform.twitter.com/embed/Tweet.html"
                "?id=1525129375926095872&dnt=true",
            ),
            (
                "https://x.com/netflix/status/1525129375926095872?s=20",
                "x",
                "1525129375926095872",
                "https://platform.twitter.com/embed/Tweet.html"
                "?id=1525129375926095872&dnt=true",
            ),
            (
                "https://www.tiktok.com/@netflix/video/7098765432123456789",
                "tiktok",
                "7098765432123456789",
                "https://www.tiktok.com/embed/v2/7098765432123456789",
            ),
        ],
    )
    def test_recognises_each_provider(self, url, provider, embed_id, player):
        embed = embed_for_url(url)
        assert (embed.provider, embed.id, embed.player_url) == (
            provider,
            embed_id,
            player,
        )

    def test_youtube_start_time_is_kept(self):
        embed = embed_for_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s")
        assert embed.player_url.endswith("?autoplay=1&start=90")

    def test_canonical_link_points_at_the_provider_page(self):
        embed = embed_for_url("https://youtu.be/dQw4w9WgXcQ")
        assert embed.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    def test_title_defaults_per_provider_and_can_be_given(self):
        assert embed_for_url("https://vimeo.com/76979871").title == "Video on Vimeo"
        embed = embed_for_url("https://vimeo.com/76979871", title="  The   trailer ")
        assert embed.title == "The trailer"

    @pytest.mark.parametrize(
        "url",
        [
            "",
            None,
            "javascript:alert(1)",
            "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
            "https://evil.example/watch?v=dQw4w9WgXcQ",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/channel/UC123",
            "https://vimeo.com/about",
            "https://www.instagram.com/netflix/",
            "https://twitter.com/netflix",
            "https://twitter.com/netflix/status/not-a-number",
            "https://www.tiktok.com/@netflix",
            "http://[::1",
        ],
    )
    def test_other_links_are_not_embeds(self, url):
        assert embed_for_url(url) is None


class TestPlaceholder:
    def test_is_a_plain_link_to_the_provider(self):
        html = embed_for_url("https://youtu.be/dQw4w9WgXcQ", title="Trailer").render()
        assert (
            '<a class="embed__frame embed__placeholder" '
            'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in html
        )
        assert "Trailer" in html
        assert "Watch on YouTube" in html

    @pytest.mark.parametrize(
        "url",
        [
            "https://youtu.be/dQw4w9WgXcQ",
            "https://vimeo.com/76979871",
            "https://www.instagram.com/p/CcZ1x2yLm3n/",
            "https://x.com/netflix/status/1525129375926095872",
            "https://www.tiktok.com/@netflix/video/7098765432123456789",
        ],
    )
    def test_loads_nothing_from_the_provider_before_a_click(self, url):
        html = embed_for_url(url).render()
        assert "<iframe" not in html
        assert "<script" not in html
        assert not re.search(r'\ssrc="(?:https?:)?//', html), html

    def test_title_is_escaped(self):
        html = embed_for_url(
            "https://youtu.be/dQw4w9WgXcQ", title='<img src=x onerror="alert(1)">'
        ).render()
        assert "<img src=x" not in html
        assert "&lt;img src=x" in html

    def test_script_swaps_in_only_known_players_on_click(self):
        script = JS.read_text()
        assert 'addEventListener("click"' in script
        for origin in settings.SECURE_CSP["frame-src"]:
            assert f'"{origin}"' in script
