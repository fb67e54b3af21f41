"""Click-to-load players: nothing reaches the video site until the reader presses play.

The network guard records the player's request (and stops it: no test goes online).
"""

import re

import pytest
from playwright.sync_api import expect

from shows.models import Show

TRAILER = "https://www.youtube.com/watch?v=Xq2b3NOHWJc"


@pytest.fixture
def show_with_trailer(transactional_db):
    return Show.objects.create(
        title="Heartstopper", slug="heartstopper", trailer_url=TRAILER
    )


class TestClickToLoadTrailer:
    def test_no_request_to_youtube_until_play_is_clicked(
        self, page, network, show_with_trailer
    ):
        page.goto(show_with_trailer.get_absolute_url(), wait_until="networkidle")
        play = page.get_by_role("button", name=re.compile(r"^Play: "))
        expect(play).to_be_visible()
        network.assert_all_local()  # no player, no poster, no script from YouTube
        play.click()
        expect(page.locator("iframe.embed__player")).to_be_attached()
        page.wait_for_load_state("networkidle")
        assert network.to_host("youtube-nocookie.com"), "the player never loaded"

    @pytest.mark.parametrize("viewport", ["desktop"])
    def test_play_works_from_the_keyboard(self, page, network, show_with_trailer):
        page.goto(show_with_trailer.get_absolute_url())
        page.get_by_role("button", name=re.compile(r"^Play: ")).focus()
        page.keyboard.press("Enter")
        player = page.locator("iframe.embed__player")
        expect(player).to_be_focused()
        assert player.get_attribute("src").startswith(
            "https://www.youtube-nocookie.com/embed/"
        )
