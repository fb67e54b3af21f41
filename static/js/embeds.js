// Click-to-load embeds (templates/partials/embed.html). Each placeholder is a plain link
// to the provider; here it becomes a play button that swaps in the player. No request
// reaches the provider before the click.
(function () {
  "use strict";

  var PLAYER_ORIGINS = [
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://www.instagram.com",
    "https://platform.twitter.com",
    "https://www.tiktok.com",
  ];

  function isAllowedPlayer(url) {
    try {
      return PLAYER_ORIGINS.indexOf(new URL(url).origin) !== -1;
    } catch (error) {
      return false;
    }
  }

  function play(figure, button) {
    var data = figure.dataset;
    var iframe = document.createElement("iframe");
    iframe.className = "embed__frame embed__player";
    iframe.src = data.embedPlayer;
    iframe.title = data.embedTitle + " (" + data.embedProvider + ")";
    iframe.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    iframe.allowFullscreen = true;
    iframe.referrerPolicy = "strict-origin-when-cross-origin";
    button.replaceWith(iframe);
    iframe.focus();
  }

  function upgrade(figure) {
    var data = figure.dataset;
    var link = figure.querySelector("a.embed__placeholder");
    if (!link || !isAllowedPlayer(data.embedPlayer)) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.setAttribute(
      "aria-label",
      "Play: " + data.embedTitle + " (loads " + data.embedProvider + ")"
    );
    while (link.firstChild) {
      button.appendChild(link.firstChild);
    }
    button.addEventListener("click", function () {
      play(figure, button);
    });
    link.replaceWith(button);

    // The plain link stays available next to the player.
    var note = figure.querySelector(".embed__note");
    if (note) {
      var open = document.createElement("a");
      open.href = data.embedUrl;
      open.textContent = "Open on " + data.embedProvider;
      note.append(" ", open);
    }
  }

  document.querySelectorAll("figure.embed[data-embed-player]").forEach(upgrade);
  // Content added later (a live blog's new updates, static/js/liveblog.js).
  document.addEventListener("newsroom:inserted", function (event) {
    event.target.querySelectorAll("figure.embed[data-embed-player]").forEach(upgrade);
  });
})();
