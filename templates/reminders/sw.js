// Story reminders: shows the notifications the server pushes (reminders/tasks.py)
// and opens the story when one is clicked. Served at /sw.js so its scope is the site.
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  var options = {
    body: data.body || "",
    tag: data.tag || "story",
    data: { url: data.url || "/" },
  };
  if (data.icon) {
    options.icon = data.icon;
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "A new story", options)
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data || {}).url || "/", self.location.origin);
  if (url.origin !== self.location.origin) {
    return; // only ever open our own pages
  }
  event.waitUntil(
    self.clients
      .matchAll({ type: "window", includeUncontrolled: true })
      .then(function (windows) {
        for (var i = 0; i < windows.length; i++) {
          if (windows[i].url === url.href && "focus" in windows[i]) {
            return windows[i].focus();
          }
        }
        return self.clients.openWindow(url.href);
      })
  );
});
