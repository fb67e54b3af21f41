// A live blog that is still live (templates/articles/partials/live_blog.html): every
// 20 seconds while the tab is visible, ask updates.json for updates newer than the
// newest one on the page, and put them at the top (pinned ones above the rest). The
// reader's place does not move: when the new updates land above what they are
// reading (the top of the list is scrolled past), the page scrolls by their height;
// focus stays where it was. A polite
// status line tells screen-reader users how many arrived. Stops when coverage ends.
(function () {
  "use strict";

  var POLL_MS = 20000;
  var blog = document.querySelector("[data-live-url]");
  if (!blog || !window.fetch) {
    return;
  }
  var list = blog.querySelector("[data-live-list]");
  var status = blog.querySelector("[data-live-status]");
  var url = blog.getAttribute("data-live-url");
  var timer = null;
  var busy = false;

  function newestId() {
    var newest = 0;
    list.querySelectorAll("[data-update-id]").forEach(function (update) {
      newest = Math.max(newest, Number(update.getAttribute("data-update-id")));
    });
    return newest;
  }

  function firstUnpinned() {
    return list.querySelector('[data-update-id][data-pinned="false"]');
  }

  // The first element whose top is on screen or below the top edge: what the
  // reader is looking at, to hold in place while content is added above it.
  function anchor() {
    var updates = list.querySelectorAll("[data-update-id]");
    for (var i = 0; i < updates.length; i++) {
      if (updates[i].getBoundingClientRect().bottom > 0) {
        return updates[i];
      }
    }
    return null;
  }

  function insert(updates) {
    // Past the top of the list, new updates land above the reader: hold their place.
    var above = list.getBoundingClientRect().top < 0;
    var held = above ? anchor() : null;
    var before = held ? held.getBoundingClientRect().top : 0;
    var empty = list.querySelector("[data-live-empty]");
    if (empty) {
      empty.remove();
    }
    // Newest first in the answer: insert oldest first so the newest ends on top.
    updates
      .slice()
      .reverse()
      .forEach(function (update) {
        if (list.querySelector('[data-update-id="' + update.id + '"]')) {
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = update.html;
        var node = holder.firstElementChild;
        if (update.pinned) {
          list.prepend(node);
        } else {
          list.insertBefore(node, firstUnpinned());
        }
        node.dispatchEvent(new CustomEvent("newsroom:inserted", { bubbles: true }));
      });
    if (held) {
      // The browser's scroll anchoring may already have kept it in place.
      var moved = held.getBoundingClientRect().top - before;
      if (moved) {
        window.scrollBy(0, moved);
      }
    }
    status.textContent =
      updates.length === 1 ? "1 new update." : updates.length + " new updates.";
  }

  function poll() {
    if (busy || document.visibilityState !== "visible") {
      return;
    }
    busy = true;
    // The answer is public for minutes (the CDN and the page cache keep it until
    // the story changes); "no-cache" keeps only this browser from reusing its copy.
    fetch(url + "?after=" + newestId(), {
      cache: "no-cache",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        if (data.updates.length) {
          insert(data.updates);
        }
        if (!data.live) {
          stop();
        }
      })
      .catch(function () {
        // Offline for a moment: the next round tries again.
      })
      .finally(function () {
        busy = false;
      });
  }

  function stop() {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  }

  function onVisibility() {
    if (document.visibilityState === "visible") {
      poll();
    }
  }

  timer = setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", onVisibility);
})();
