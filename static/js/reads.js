// Counts one read of this story for "most read" (articles/reads.py): an empty POST
// to the story's counting address, sent once the page is visible. No cookie, no id:
// the server learns only that the story was read. sessionStorage (which never leaves
// the browser) keeps a reload in the same tab from counting twice.
(function () {
  "use strict";
  var story = document.querySelector("[data-read-url]");
  if (!story || !navigator.sendBeacon) {
    return;
  }
  var url = story.getAttribute("data-read-url");

  function alreadyCounted() {
    try {
      if (sessionStorage.getItem(url)) {
        return true;
      }
      sessionStorage.setItem(url, "1");
    } catch (error) {
      // Storage refused (private mode): count anyway.
    }
    return false;
  }

  function send() {
    if (!alreadyCounted()) {
      navigator.sendBeacon(url);
    }
  }

  if (document.visibilityState === "visible") {
    send();
  } else {
    // Opened in a background tab: it counts once the reader looks at it.
    document.addEventListener("visibilitychange", function onVisible() {
      if (document.visibilityState === "visible") {
        document.removeEventListener("visibilitychange", onVisible);
        send();
      }
    });
  }
})();
