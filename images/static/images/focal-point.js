// Picture admin: click the preview to set the focal point that crops keep in view.
// The two number fields stay the source of truth (and the way in from a keyboard).
(function () {
  "use strict";

  function init() {
    const box = document.querySelector(".focal-point");
    const fieldX = document.getElementById("id_focal_x");
    const fieldY = document.getElementById("id_focal_y");
    if (!box || !fieldX || !fieldY) return;
    const picture = box.querySelector("img");
    const marker = box.querySelector(".focal-point__marker");

    function show() {
      const x = parseFloat(fieldX.value);
      const y = parseFloat(fieldY.value);
      const set = !Number.isNaN(x) && !Number.isNaN(y);
      marker.hidden = !set;
      if (set) {
        marker.style.left = x * 100 + "%";
        marker.style.top = y * 100 + "%";
      }
    }

    picture.addEventListener("click", function (event) {
      const rect = picture.getBoundingClientRect();
      const clamp = (v) => Math.min(1, Math.max(0, v));
      fieldX.value = clamp((event.clientX - rect.left) / rect.width).toFixed(2);
      fieldY.value = clamp((event.clientY - rect.top) / rect.height).toFixed(2);
      show();
    });
    fieldX.addEventListener("input", show);
    fieldY.addEventListener("input", show);
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
