// Progress of an import batch: polls the batch's JSON status while it is checked or committed,
// then reloads the page to show the report. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";

  var INTERVAL_MS = 1000;

  function poll(box) {
    var url = box.getAttribute("data-import-progress");
    var bar = box.querySelector("[data-import-bar]");
    var label = box.querySelector("[data-import-label]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
          if (label) { label.textContent = state.label; }
          if (state.done) { window.location.reload(); } else { window.setTimeout(tick, INTERVAL_MS); }
        })
        .catch(function () { window.setTimeout(tick, INTERVAL_MS * 5); });
    }
    window.setTimeout(tick, INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-import-progress]");
    if (box && !box.hidden) { poll(box); }
  });
})();
