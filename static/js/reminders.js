// Story reminders: the "Get reminders" control (templates/reminders/partials/
// control.html). Nothing happens on page load but reading this browser's state: the
// service worker is registered and notification permission is asked for only when
// the reader presses a button. What the browser follows is kept in localStorage (the
// page is the same for every reader); the server keeps the same list per push
// subscription and replaces it with each change (POST /reminders/subscribe/).
(function () {
  "use strict";
  var root = document.querySelector("[data-reminders]");
  if (!root) {
    return;
  }
  var STORE = "reminders:follows";
  var buttons = Array.prototype.slice.call(
    root.querySelectorAll("button[data-slug]")
  );
  var status = root.querySelector(".reminders__status");
  var supported =
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window &&
    window.isSecureContext;

  function say(text) {
    status.textContent = text;
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE) || "null");
      if (saved && Array.isArray(saved.show) && Array.isArray(saved.topic)) {
        saved.names = saved.names || {};
        return saved;
      }
    } catch (error) {
      // Unreadable or blocked storage: start again.
    }
    return { endpoint: "", show: [], topic: [], names: {} };
  }

  function save(follows) {
    try {
      if (follows) {
        localStorage.setItem(STORE, JSON.stringify(follows));
      } else {
        localStorage.removeItem(STORE);
      }
    } catch (error) {
      // Private mode: reminders still work, this page just forgets the state.
    }
  }

  function followed(follows, button) {
    return follows[button.dataset.kind].indexOf(button.dataset.slug) !== -1;
  }

  function names(follows) {
    var all = follows.show.concat(follows.topic);
    return all.map(function (slug) {
      return follows.names[slug] || slug;
    });
  }

  function show(follows) {
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(followed(follows, button)));
    });
    var on = names(follows);
    if (on.length) {
      say("Reminders are on for " + on.join(", ") + ". Press again to stop.");
    } else {
      say("");
    }
  }

  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function sameKey(subscription, key) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) {
      return true; // the browser does not say: assume it is ours
    }
    var wanted = keyBytes(key);
    var have = new Uint8Array(current);
    return (
      have.length === wanted.length &&
      have.every(function (byte, i) {
        return byte === wanted[i];
      })
    );
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    }).then(function (response) {
      if (!response.ok) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            throw new Error(answer.error || "The server said " + response.status);
          });
      }
      return response;
    });
  }

  function subscription() {
    // Registering asks nothing of the reader; subscribing may show the prompt.
    return navigator.serviceWorker
      .register(root.dataset.worker, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          if (existing && sameKey(existing, root.dataset.key)) {
            return existing;
          }
          var gone = existing ? existing.unsubscribe() : Promise.resolve();
          return gone.then(function () {
            return registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(root.dataset.key),
            });
          });
        });
      });
  }

  function stopAll(follows) {
    return navigator.serviceWorker
      .getRegistration("/")
      .then(function (registration) {
        return registration && registration.pushManager.getSubscription();
      })
      .then(function (existing) {
        var endpoint = (existing && existing.endpoint) || follows.endpoint;
        var told = endpoint
          ? post(root.dataset.unsubscribe, { endpoint: endpoint })
          : Promise.resolve();
        return told.then(function () {
          return existing && existing.unsubscribe();
        });
      });
  }

  function toggle(button) {
    var follows = load();
    var kind = button.dataset.kind;
    var slug = button.dataset.slug;
    var list = follows[kind];
    var on = !followed(follows, button);
    if (on) {
      list.push(slug);
      follows.names[slug] = button.dataset.name;
    } else {
      list.splice(list.indexOf(slug), 1);
    }
    if (!follows.show.length && !follows.topic.length) {
      return stopAll(follows).then(function () {
        save(null);
        show(load());
        say("Reminders are off.");
      });
    }
    var asked =
      Notification.permission === "granted"
        ? Promise.resolve("granted")
        : Notification.requestPermission();
    return asked.then(function (permission) {
      if (permission !== "granted") {
        say(
          permission === "denied"
            ? "Notifications are blocked for this site. Allow them in your browser's site settings, then press again."
            : "Reminders need your permission to show notifications."
        );
        return;
      }
      say("Turning reminders on…");
      return subscription().then(function (sub) {
        return post(root.dataset.subscribe, {
          subscription: sub.toJSON(),
          shows: follows.show,
          topics: follows.topic,
        }).then(function () {
          follows.endpoint = sub.endpoint;
          save(follows);
          show(follows);
        });
      });
    });
  }

  if (!supported) {
    buttons.forEach(function (button) {
      button.disabled = true;
    });
    say("This browser cannot show notifications from websites.");
    return;
  }

  // The state this browser is in: only what it already has, nothing new is asked.
  var follows = load();
  if (Notification.permission !== "granted" || !follows.endpoint) {
    save(null);
    follows = load();
  }
  show(follows);

  var busy = false; // one change at a time; buttons keep focus (no `disabled`)
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      if (busy) {
        return;
      }
      busy = true;
      root.setAttribute("aria-busy", "true");
      toggle(button)
        .catch(function (error) {
          say("Reminders could not be changed: " + error.message);
        })
        .then(function () {
          busy = false;
          root.removeAttribute("aria-busy");
        });
    });
  });
})();
