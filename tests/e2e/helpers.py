"""Checks a browser test makes on a page: accessibility, keyboard, layout, weight.

Each helper takes a Playwright ``Page`` (or the ``NetworkLog`` of the page fixture) and
either returns a measurement or fails the test with a message a person can act on.
"""

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

SCREENSHOT_DIR = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
_axe = Axe()


# --- Network --------------------------------------------------------------------------
@dataclass
class NetworkLog:
    """Every request a browser context made, in order, and errors its pages logged."""

    origin: str
    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def record(self, request):
        self.requests.append(request)

    def record_console(self, message):
        # Failed loads are judged by status and by the foreign-host check instead
        # (an expected 404 page logs one too).
        if message.type == "error" and not message.text.startswith(
            "Failed to load resource"
        ):
            self.errors.append(f"console: {message.text}")

    def is_local(self, url):
        scheme, netloc, *_ = urlsplit(url)
        return scheme in ("data", "blob", "about") or (
            f"{scheme}://{netloc}" == self.origin
        )

    def foreign(self):
        """URLs of requests that went (or tried to go) to another host."""
        return [r.url for r in self.requests if not self.is_local(r.url)]

    def to_host(self, fragment):
        """URLs of requests whose host contains ``fragment`` (e.g. "youtube")."""
        return [
            r.url for r in self.requests if fragment in (urlsplit(r.url).hostname or "")
        ]

    def mark(self):
        """A position to pass to ``since=``: only requests made after it count."""
        return len(self.requests)

    def assert_all_local(self):
        foreign = self.foreign()
        assert not foreign, "requests to another host:\n  " + "\n  ".join(foreign)


def page_weight(network, *, since=0, types=("document", "stylesheet", "script")):
    """Gzip-compressed bytes of each response of the given resource types.

    Returns ``{url: compressed_size}``. Pictures and fonts are not counted: the budget
    is for what blocks reading (HTML, CSS, JS).
    """
    sizes = {}
    for request in network.requests[since:]:
        if request.resource_type not in types or not network.is_local(request.url):
            continue
        response = request.response()
        if response is None or not response.ok:
            continue
        sizes[request.url] = len(gzip.compress(response.body(), compresslevel=6))
    return sizes


# --- Accessibility --------------------------------------------------------------------
def axe(page, *, context=None, impacts=BLOCKING_IMPACTS):
    """Run axe-core on the page; fail listing every violation of the given impacts."""
    results = _axe.run(page, context=context)
    blocking = [v for v in results.response["violations"] if v["impact"] in impacts]
    if blocking:
        lines = [
            f"axe found {len(blocking)} {'/'.join(impacts)} violation(s) on {page.url}"
        ]
        for violation in blocking:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f"\n    {violation['helpUrl']}"
            )
            for node in violation["nodes"][:5]:
                lines.append(f"    at {', '.join(map(str, node['target']))}")
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"       {summary}")
        pytest.fail("\n".join(lines), pytrace=False)
    return results


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const drawn = (node) => {
    const style = getComputedStyle(node);
    return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none";
  };
  // The ring may sit on a card around the link (:focus-within), a few levels up.
  let ring = null;
  for (let node = el, up = 0; node && node !== document.body && up < 4; up++) {
    if (drawn(node)) { ring = node; break; }
    node = node.parentElement;
  }
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    key: el.dataset.kbd ?? null,
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "")
      .trim().slice(0, 60),
    href: el.getAttribute("href"),
    inMain: Boolean(el.closest("main")),
    ring: ring && (ring === el ? "self" : ring.tagName.toLowerCase()),
  };
}"""


def focused(page):
    """What has keyboard focus: tag, id, text, href, and whether focus is drawn."""
    return page.evaluate(_FOCUSED)


def has_visible_focus(info):
    """An outline or box-shadow on the focused control or a box around it."""
    return bool(info) and info["ring"] is not None


def describe(info):
    if not info:
        return "<body>"
    return f"<{info['tag']}{' #' + info['id'] if info['id'] else ''}> {info['text']!r}"


_LABEL_FOCUSABLE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, [tabindex]:not([tabindex="-1"])';
  const found = [], radioGroups = {};
  for (const el of document.querySelectorAll(selector)) {
    // tabindex=-1 takes a control out of the Tab order on purpose (a honeypot field).
    if (el.disabled || el.closest('[inert]') || el.tabIndex < 0) continue;
    // Inside a closed <details> only its <summary> can take focus (Chromium still
    // gives the folded content a box).
    const folded = el.closest('details:not([open])');
    if (folded && el.closest('summary')?.parentElement !== folded) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    // The skip link sits off screen until focused: it counts as a control.
    const offscreen = el.classList.contains('skip-link');
    const hidden = box.width === 0 || box.height === 0 || style.visibility === 'hidden';
    if (hidden && !offscreen) continue;
    // A radio group is one Tab stop: reaching any of its buttons reaches the group.
    if (el.type === 'radio' && el.name in radioGroups) {
      el.dataset.kbd = radioGroups[el.name];
      continue;
    }
    if (el.type === 'radio') radioGroups[el.name] = String(found.length);
    el.dataset.kbd = String(found.length);
    const name = el.innerText || el.value || el.ariaLabel || el.tagName;
    found.push(name.trim());
  }
  return found;
}"""


def focus_top(page):
    """Put the Tab starting point at the top of the page, as on arrival.

    blur() alone leaves it at the last focused control (an autofocused field), so a
    throwaway focusable element at the start of <body> takes focus and is removed.
    """
    page.evaluate(
        """() => {
          const start = document.createElement('span');
          start.tabIndex = -1;
          document.body.prepend(start);
          start.focus();
          start.remove();
          window.scrollTo(0, 0);
        }"""
    )


def assert_keyboard_reachable(page, *, max_extra_steps=5):
    """Tab through the whole page: every visible control gets focus, visibly drawn.

    Returns the focus order as descriptions, for a test that wants to check it.
    """
    controls = page.evaluate(_LABEL_FOCUSABLE)
    focus_top(page)
    reached, order, invisible = set(), [], []
    for _ in range(len(controls) + max_extra_steps):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (info["key"] is not None and info["key"] in reached):
            break  # focus left the page or came round again
        order.append(describe(info))
        if info["key"] is not None:
            reached.add(info["key"])
        if not has_visible_focus(info):
            invisible.append(describe(info))
    missed = [name for i, name in enumerate(controls) if str(i) not in reached]
    assert not missed, f"not reachable with Tab on {page.url}: {missed}"
    assert not invisible, f"focus not visible on {page.url}: {invisible}"
    return order


def tab_to(page, wanted, what, *, limit=150):
    """Press Tab until ``wanted(focused(page))`` holds; return that control's info.

    Fails naming the Tab stops passed on the way when focus never gets there.
    """
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info and wanted(info):
            assert has_visible_focus(info), f"focus not visible on {describe(info)}"
            return info
        stops.append(describe(info))
    pytest.fail(
        f"{what} not reached with Tab on {page.url}; passed:\n  " + "\n  ".join(stops),
        pytrace=False,
    )


def assert_skip_link_first(page):
    """The first Tab lands on the skip link; Enter moves focus into <main>."""
    focus_top(page)
    page.keyboard.press("Tab")
    info = focused(page)
    assert info and info["tag"] == "a" and (info["href"] or "").startswith("#"), (
        f"first Tab stop on {page.url} is {describe(info)}, not a skip link"
    )
    assert has_visible_focus(info), f"the skip link has no visible focus on {page.url}"
    page.keyboard.press("Enter")
    target = page.evaluate(
        "() => document.activeElement.closest('main') ? 'main' : "
        "document.activeElement.tagName.toLowerCase()"
    )
    assert target == "main", f"the skip link moved focus to <{target}>, not <main>"


# --- Layout ---------------------------------------------------------------------------
_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    // Content inside a scroll box (the topic bar) may be wider than the screen.
    let p = el.parentElement, scrolls = false;
    while (p && p !== document.body) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) {
        scrolls = true;
        break;
      }
      p = p.parentElement;
    }
    if (scrolls) continue;
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const tag = `<${el.tagName.toLowerCase()} class="${el.className}">`;
      out.push(`${tag} right edge at ${Math.round(box.right)}px`);
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, innerWidth: window.innerWidth, out};
}"""


def assert_no_horizontal_overflow(page):
    """The page never scrolls sideways; names the elements sticking out if it does."""
    result = page.evaluate(_OVERFLOWING)
    assert result["scrollWidth"] <= result["innerWidth"], (
        f"{page.url} is {result['scrollWidth']}px wide in a {result['innerWidth']}px "
        "window; sticking out:\n  " + "\n  ".join(result["out"][:10])
    )


LAYOUT_SHIFT_SCRIPT = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def layout_shift(page):
    """Cumulative layout shift so far (the page fixture installs the observer)."""
    return page.evaluate("() => window.__layoutShift")


# --- Pictures of pages ----------------------------------------------------------------
def load_all_images(page):
    """Make lazy pictures load and wait for them, so a full-page picture shows them."""
    page.evaluate(
        """async () => {
          const images = [...document.images];
          images.forEach((img) => { img.loading = 'eager'; });
          const arrived = (img) => img.complete ? Promise.resolve()
            : new Promise((done) => { img.onload = img.onerror = done; });
          // Loaded is not yet painted: decode() settles once it can be drawn.
          const loaded = Promise.all(images.map((img) => arrived(img)
            .then(() => img.decode().catch(() => null))));
          await Promise.race([loaded, new Promise((done) => setTimeout(done, 5000))]);
        }"""
    )


def broken_images(page):
    """Sources of <img> elements that finished loading without a picture."""
    return page.evaluate(
        "() => [...document.images].filter((i) => i.complete && i.naturalWidth === 0)"
        ".map((i) => i.currentSrc || i.src)"
    )


def screenshot(page, name):
    """Write artifacts/screenshots/<name>-<width>.png (whole page); return the path."""
    load_all_images(page)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path


# --- Everything at once ---------------------------------------------------------------
def check_page(page, network, name, *, skip_link=True):
    """The checks every reader page passes, in one call after ``page.goto``.

    axe (no serious/critical violation), no sideways scrolling, no broken picture,
    layout settled (CLS < 0.1), nothing loaded from another host, a full-page screenshot
    named ``name``, then the keyboard: skip link first, every control reachable with
    visible focus. ``skip_link=False`` is for a page without the site's header (the
    self-contained 500 page), where there is nothing to skip.
    """
    # Pictures in (a late one without its size would shift the page), then read the
    # shift before the full-page screenshot, whose viewport resize a busy machine
    # can record as a shift of the page's own.
    load_all_images(page)
    shift = layout_shift(page)
    assert shift < 0.1, f"the layout shifted while {page.url} loaded (CLS {shift:.3f})"
    axe(page)
    assert_no_horizontal_overflow(page)
    path = screenshot(page, name)
    assert broken_images(page) == [], f"pictures that did not load on {page.url}"
    network.assert_all_local()
    if skip_link:
        assert_skip_link_first(page)
    assert assert_keyboard_reachable(page), f"nothing on {page.url} takes focus"
    return path


# --- Mail -----------------------------------------------------------------------------
def link_in_mail(message, path_prefix):
    """The path of the first link in a sent mail's text that starts with path_prefix.

    Mail links are absolute on SITE_URL; the path is what the live server answers.
    """
    for url in re.findall(r"https?://\S+", message.body):
        path = urlsplit(url).path
        if path.startswith(path_prefix):
            return path
    pytest.fail(
        f"no {path_prefix}… link in the mail {message.subject!r}", pytrace=False
    )
