// Admin tabular inlines marked "sortable-inline" (a gallery's slides): each row gets
// "Move up" and "Move down" buttons and can be dragged; after every move the rows'
// position fields are renumbered 1, 2, 3… in the order shown. The position fields
// stay visible and editable, so the form works the same without this script.
(function () {
  "use strict";

  function rows(group) {
    return [...group.querySelectorAll("tbody tr.form-row")].filter(
      (row) => !row.classList.contains("empty-form"),
    );
  }

  function renumber(group) {
    rows(group).forEach((row, index) => {
      const field = row.querySelector("td.field-position input");
      if (field) field.value = index + 1;
    });
  }

  function move(group, row, step) {
    const all = rows(group);
    const target = all[all.indexOf(row) + step];
    if (!target) return;
    target.parentNode.insertBefore(row, step < 0 ? target : target.nextSibling);
    renumber(group);
  }

  function button(label, text, onClick) {
    const control = document.createElement("button");
    control.type = "button";
    control.className = "sortable-inline__move";
    control.textContent = text;
    control.setAttribute("aria-label", label);
    control.addEventListener("click", onClick);
    return control;
  }

  function enhance(group, row) {
    const cell = row.querySelector("td.field-position");
    if (!cell || cell.querySelector(".sortable-inline__move")) return;
    cell.append(
      button("Move up", "↑", () => {
        move(group, row, -1);
        row.querySelector(".sortable-inline__move").focus();
      }),
      button("Move down", "↓", () => {
        move(group, row, 1);
        row.querySelectorAll(".sortable-inline__move")[1].focus();
      }),
    );
    row.draggable = true;
    row.addEventListener("dragstart", (event) => {
      group.dataset.dragging = rows(group).indexOf(row);
      event.dataTransfer.effectAllowed = "move";
    });
    row.addEventListener("dragover", (event) => event.preventDefault());
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      const dragged = rows(group)[Number(group.dataset.dragging)];
      if (!dragged || dragged === row) return;
      const below = event.clientY > row.getBoundingClientRect().top + row.offsetHeight / 2;
      row.parentNode.insertBefore(dragged, below ? row.nextSibling : row);
      renumber(group);
    });
  }

  function init() {
    for (const group of document.querySelectorAll(".js-inline-admin-formset")) {
      if (!group.querySelector("fieldset.sortable-inline, .sortable-inline")) continue;
      rows(group).forEach((row) => enhance(group, row));
    }
    document.addEventListener("formset:added", (event) => {
      const group = event.target.closest(".js-inline-admin-formset");
      if (!group || !group.querySelector(".sortable-inline")) return;
      enhance(group, event.target);
      renumber(group);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
