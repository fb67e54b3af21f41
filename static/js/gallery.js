// A gallery story (templates/articles/partials/gallery.html) as a slideshow: one
// picture at a time in a scroll-snapping strip (swipe on phones), "Previous" and
// "Next" buttons with "3 of 12" between them, and the arrow keys (Home and End too)
// anywhere in the gallery. The address follows the slide (#slide-3), so a link
// opens on it. site.css lays the slideshow out wherever scripts run (the
// `scripting` media feature), before this script arrives, so nothing jumps; without
// scripts the gallery is a list of numbered figures.
(function () {
  "use strict";

  var gallery = document.querySelector("[data-gallery]");
  if (!gallery) {
    return;
  }
  var track = gallery.querySelector("[data-gallery-track]");
  var slides = Array.prototype.slice.call(track.querySelectorAll("[data-gallery-slide]"));
  if (slides.length < 2) {
    return;
  }
  var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = 0;
  var settling = null;

  var previous = gallery.querySelector("[data-gallery-previous]");
  var next = gallery.querySelector("[data-gallery-next]");
  var status = gallery.querySelector("[data-gallery-status]");
  track.tabIndex = 0;
  track.setAttribute("aria-label", "Pictures: use the arrow keys for the next or previous one");

  function update(moveAddress) {
    status.textContent = current + 1 + " of " + slides.length;
    previous.setAttribute("aria-disabled", String(current === 0));
    next.setAttribute("aria-disabled", String(current === slides.length - 1));
    slides.forEach(function (slide, index) {
      slide.inert = index !== current;
    });
    // The next picture starts loading before the reader asks for it.
    var coming = slides[current + 1] && slides[current + 1].querySelector("img");
    if (coming) {
      coming.loading = "eager";
    }
    if (moveAddress) {
      history.replaceState(null, "", "#" + slides[current].id);
    }
  }

  function go(index, smooth) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    track.scrollTo({
      left: current * track.clientWidth,
      behavior: smooth && !calm ? "smooth" : "auto",
    });
    update(true);
  }

  previous.addEventListener("click", function () {
    go(current - 1, true);
  });
  next.addEventListener("click", function () {
    go(current + 1, true);
  });

  gallery.addEventListener("keydown", function (event) {
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: slides.length - 1 };
    if (!(event.key in moves) || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    go(moves[event.key], true);
  });

  // A swipe (or a trackpad) scrolls the strip: follow it once it comes to rest.
  track.addEventListener("scroll", function () {
    clearTimeout(settling);
    settling = setTimeout(function () {
      var shown = Math.round(track.scrollLeft / track.clientWidth);
      if (shown !== current) {
        current = shown;
        update(true);
      }
      // Line the picture up exactly if something left it a few pixels off.
      if (Math.abs(track.scrollLeft - current * track.clientWidth) > 1) {
        track.scrollTo({ left: current * track.clientWidth });
      }
    }, 120);
  });

  window.addEventListener("resize", function () {
    track.scrollLeft = current * track.clientWidth;
  });

  function followAddress() {
    var asked = /^#slide-(\d+)$/.exec(location.hash);
    if (asked) {
      go(Number(asked[1]) - 1, false);
    }
    return Boolean(asked);
  }

  // A link to #slide-N, on arrival or later; the browser's own jump to the
  // anchor may land after ours, so the load event puts the strip right again.
  window.addEventListener("hashchange", followAddress);
  window.addEventListener("load", followAddress);
  if (!followAddress()) {
    update(false);
  }
})();
