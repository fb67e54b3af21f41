"""Click-to-load embeds for links to video and social posts.

A link to YouTube, Vimeo, Instagram, X/Twitter or TikTok becomes an `Embed`: all a
placeholder needs, worked out from the URL alone. Nothing here makes a network call,
and the rendered placeholder makes no request to the provider until the reader clicks
it (static/js/embeds.js swaps in the player; without JavaScript it stays a plain link).
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Embed:
    provider: str  # machine name: "youtube", "vimeo", "instagram", "x", "tiktok"
    provider_name: str  # what readers read: "YouTube"
    id: str
    url: str  # the canonical page on the provider; the no-JavaScript link
    player_url: str  # loaded into an iframe only after the click
    title: str
    thumbnail_url: str = ""  # a local poster only: a provider's would be a request
    ratio: str = "16 / 9"  # CSS aspect-ratio of the player

    def render(self):
        return render_to_string("partials/embed.html", {"embed": self})


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_DIGITS = re.compile(r"^\d{1,25}$")
_INSTAGRAM_CODE = re.compile(r"^[A-Za-z0-9_-]{5,64}$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,30}$")


def _host(parts):
    host = (parts.hostname or "").lower()
    return host.removeprefix("www.").removeprefix("m.").removeprefix("mobile.")


def _segments(parts):
    return [segment for segment in parts.path.split("/") if segment]


def _seconds(value):
    """A YouTube start time ("90", "90s", "1m30s") in seconds, or None."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", value or "")
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _youtube(parts, title):
    host, segments = _host(parts), _segments(parts)
    query = parse_qs(parts.query)
    video_id = None
    if host == "youtu.be" and segments:
        video_id = segments[0]
    elif host in {"youtube.com", "youtube-nocookie.com"}:
        if segments == ["watch"]:
            video_id = query.get("v", [""])[0]
        elif len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v"}:
            video_id = segments[1]
    if not video_id or not _YOUTUBE_ID.match(video_id):
        return None
    params = {"autoplay": 1}
    start = _seconds(query.get("t", query.get("start", [""]))[0])
    if start:
        params["start"] = start
    return Embed(
        provider="youtube",
        provider_name="YouTube",
        id=video_id,
        url=f"https://www.youtube.com/watch?v={video_id}",
        player_url=f"https://www.youtube-nocookie.com/embed/{video_id}?{urlencode(params)}",
        title=title or "Video on YouTube",
    )


def _vimeo(parts, title):
    host, segments = _host(parts), _segments(parts)
    if host not in {"vimeo.com", "player.vimeo.com"}:
        return None
    # vimeo.com/123, vimeo.com/channels/staffpicks/123, player.vimeo.com/video/123
    video_id = next((s for s in segments if _DIGITS.match(s)), None)
    if not video_id:
        return None
    return Embed(
        provider="vimeo",
        provider_name="Vimeo",
        id=video_id,
        url=f"https://vimeo.com/{video_id}",
        player_url=f"https://player.vimeo.com/video/{video_id}?autoplay=1&dnt=1",
        title=title or "Video on Vimeo",
    )


def _instagram(parts, title):
    segments = _segments(parts)
    if _host(parts) != "instagram.com" or len(segments) < 2:
        return None
    kind, code = segments[0], segments[1]
    if kind not in {"p", "reel", "tv"} or not _INSTAGRAM_CODE.match(code):
        return None
    return Embed(
        provider="instagram",
        provider_name="Instagram",
        id=code,
        url=f"https://www.instagram.com/{kind}/{code}/",
        player_url=f"https://www.instagram.com/{kind}/{code}/embed/",
        title=title or "Post on Instagram",
        ratio="4 / 5",
    )


def _x(parts, title):
    segments = _segments(parts)
    if _host(parts) not in {"x.com", "twitter.com"} or len(segments) < 3:
        return None
    handle, kind, status_id = segments[:3]
    if kind != "status" or not _HANDLE.match(handle) or not _DIGITS.match(status_id):
        return None
    return Embed(
        provider="x",
        provider_name="X",
        id=status_id,
        url=f"https://x.com/{handle}/status/{status_id}",
        player_url=(
            f"https://platform.twitter.com/embed/Tweet.html?id={status_id}&dnt=true"
        ),
        title=title or f"Post by @{handle} on X",
        ratio="1 / 1",
    )


def _tiktok(parts, title):
    segments = _segments(parts)
    if _host(parts) != "tiktok.com" or len(segments) < 3:
        return None
    handle, kind, video_id = segments[:3]
    if not handle.startswith("@") or kind != "video" or not _DIGITS.match(video_id):
        return None
    return Embed(
        provider="tiktok",
        provider_name="TikTok",
        id=video_id,
        url=f"https://www.tiktok.com/{handle}/video/{video_id}",
        player_url=f"https://www.tiktok.com/embed/v2/{video_id}",
        title=title or f"Video by {handle} on TikTok",
        ratio="9 / 16",
    )


_PROVIDERS = (_youtube, _vimeo, _instagram, _x, _tiktok)


def embed_for_url(url, *, title=""):
    """The `Embed` for a link to a supported provider, else None.

    `title` is what the placeholder says (e.g. the link text); each provider has a
    plain default. Only http(s) URLs are accepted.
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    title = " ".join((title or "").split())[:200]
    for provider in _PROVIDERS:
        if embed := provider(parts, title):
            return embed
    return None
