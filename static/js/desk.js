// The story change page at the desk: who else has the story open (a heartbeat),
// taking over a story left open, autosaving the editor's fields, and live search and
// share previews. Progressive enhancement: without it the page still shows who was
// there when it opened, and saving is still checked for conflicts on the server.
(() => {
  "use strict";
  const configNode = document.getElementById("desk-config");
  const form = document.getElementById("article_form");
  if (!configNode || !form) return;
  const config = JSON.parse(configNode.textContent);
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const list = document.getElementById("desk-presence-list");
  const presence = document.getElementById("desk-presence");
  const takeOver = document.getElementById("desk-takeover");
  const notice = document.getElementById("desk-notice");
  const relative = new Intl.RelativeTimeFormat("en-GB", { numeric: "auto" });
  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
  let active = false;
  let dirty = false;
  let submitting = false;

  const post = (url, fields, { beacon = false } = {}) => {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    if (beacon && navigator.sendBeacon) return navigator.sendBeacon(url, body);
    return fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then((response) => (response.ok ? response.json() : Promise.reject(response)));
  };

  const ago = (iso) => {
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (Math.abs(seconds) < 45) return "just now";
    const minutes = Math.round(seconds / 60);
    if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
    return relative.format(Math.round(minutes / 60), "hour");
  };
  const refreshTimes = () => {
    for (const time of document.querySelectorAll("time[data-desk-ago]")) {
      time.textContent = ago(time.getAttribute("datetime"));
    }
  };

  const say = (text, alert = false) => {
    notice.textContent = text;
    notice.classList.toggle("desk-notice--alert", alert);
  };

  const render = (state) => {
    list.replaceChildren(
      ...state.others.map((other) => {
        const item = document.createElement("li");
        const who = document.createElement("strong");
        who.textContent = `${other.name} is editing this story`;
        const time = document.createElement("time");
        time.dataset.deskAgo = "";
        time.setAttribute("datetime", other.active_at);
        item.append(who, " · last active ", time);
        return item;
      }),
    );
    presence.classList.toggle("desk-presence--alone", state.others.length === 0);
    takeOver.hidden = !(state.others.length && state.can_take_over);
    refreshTimes();
    if (state.taken_over) {
      const at = clock.format(new Date(state.taken_over.at));
      say(
        `${state.taken_over.name} took over this story at ${at}. Your text stays in ` +
          "this form and in your autosave, but saving from this tab will be refused.",
        true,
      );
    } else if (state.saved_since_opened) {
      const at = clock.format(new Date(state.saved_since_opened.at));
      say(
        `${state.saved_since_opened.name} saved this story at ${at}, after you ` +
          "opened it. If you save, you will see their changes first.",
        true,
      );
    }
  };

  const beat = (leaving = false) => {
    const fields = { tab: config.tab, active: active ? "on" : "" };
    if (leaving) return post(config.heartbeatUrl, { ...fields, leaving: "on" }, { beacon: true });
    active = false;
    return post(config.heartbeatUrl, fields).then(render).catch(() => {});
  };

  const editorFields = () => {
    const data = new FormData(form);
    const fields = { tab: config.tab };
    for (const name of config.fields) fields[name] = data.get(name) ?? "";
    return fields;
  };

  // A page being hidden or left may not live to read an answer: those go as beacons.
  const autosave = ({ leaving = false, beacon = false } = {}) => {
    if (submitting) {
      // The form is being saved: nothing to autosave, but this tab is done.
      if (leaving) beat(true);
      return;
    }
    if (!dirty) {
      if (leaving) beat(true);
      return;
    }
    dirty = false;
    const fields = editorFields();
    if (leaving) fields.leaving = "on";
    if (beacon) {
      post(config.autosaveUrl, fields, { beacon: true });
      return;
    }
    post(config.autosaveUrl, fields)
      .then((answer) => {
        form.dataset.deskAutosavedAt = answer.saved_at;
        if (!notice.classList.contains("desk-notice--alert")) {
          say(`Your changes were autosaved at ${clock.format(new Date(answer.saved_at))}.`);
        }
      })
      .catch(() => {
        dirty = true;
      });
  };

  // Live previews of the search result and the share card.
  const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
  const cut = (text, limit) => (text.length > limit ? `${text.slice(0, limit - 1).trimEnd()}…` : text);
  const previews = () => {
    const title = value("seo_title") || value("headline");
    const description = value("seo_description") || value("standfirst");
    const show = (key, text) => {
      const node = document.querySelector(`[data-desk-preview="${key}"]`);
      if (node) node.textContent = text;
    };
    show("result-title", cut(title, config.resultTitleChars));
    show("result-description", cut(description, config.resultDescriptionChars));
    show("share-title", title);
    show("share-description", description);
  };

  form.addEventListener("input", () => {
    active = true;
    dirty = true;
    previews();
  });
  form.addEventListener("change", () => {
    active = true;
    dirty = true;
  });
  for (const type of ["keydown", "pointerdown"]) {
    document.addEventListener(type, () => { active = true; }, { passive: true });
  }
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("pageshow", (event) => { if (event.persisted) submitting = false; });

  takeOver.addEventListener("submit", (event) => {
    event.preventDefault();
    post(config.takeOverUrl, { tab: config.tab })
      .then((state) => {
        render(state);
        say("You took over this story: a save from their tab will be refused.");
      })
      .catch(() => say("The story could not be taken over. Reload the page and try again.", true));
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") autosave({ beacon: true });
  });
  window.addEventListener("pagehide", () => autosave({ leaving: true, beacon: true }));
  window.setInterval(beat, config.heartbeatSeconds * 1000);
  window.setInterval(autosave, config.autosaveSeconds * 1000);
  window.setInterval(refreshTimes, 15000);
  refreshTimes();
  previews();
})();
