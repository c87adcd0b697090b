// Small behaviours for the registry pages. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";

  // Forms that ask before submitting: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A class select whose options carry data-school: show only the classes of the chosen school.
  function filterClasses(schoolSelect) {
    var target = document.getElementById(schoolSelect.getAttribute("data-filters"));
    if (!target) { return; }
    var school = schoolSelect.value;
    Array.prototype.forEach.call(target.options, function (option) {
      var owner = option.getAttribute("data-school");
      var visible = !owner || !school || owner === school;
      option.hidden = !visible;
      option.disabled = !visible;
    });
    var chosen = target.options[target.selectedIndex];
    if (chosen && chosen.disabled) { target.value = ""; }
  }

  function bindClassFilters(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-filters]"), function (select) {
      if (select.getAttribute("data-bound")) { return; }
      select.setAttribute("data-bound", "1");
      select.addEventListener("change", function () { filterClasses(select); });
      filterClasses(select);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bindClassFilters(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bindClassFilters(event.target); });
})();
