// Place pickers: a search box above a grouped <select> (or a box of grouped check boxes) hides the
// entries whose name, or whose township's name, does not contain what is typed. Offline, no libraries;
// loaded as a file because the CSP forbids inline scripts.
(function () {
  "use strict";

  function matches(text, query) {
    return !query || text.toLowerCase().indexOf(query) !== -1;
  }

  function filterSelect(select, query) {
    Array.prototype.forEach.call(select.children, function (child) {
      if (child.tagName === "OPTGROUP") {
        var groupMatches = matches(child.label, query);
        var any = false;
        Array.prototype.forEach.call(child.children, function (option) {
          var visible = groupMatches || option.selected || matches(option.text, query);
          option.hidden = !visible;
          any = any || visible;
        });
        child.hidden = !any;
      } else if (child.value) {
        child.hidden = !(child.selected || matches(child.text, query));
      }
    });
  }

  function filterBoxes(box, query) {
    // Django renders grouped check boxes as <div><label>group</label><div><label><input> name</label></div>...</div>
    Array.prototype.forEach.call(box.querySelectorAll(":scope > div"), function (group) {
      var heading = group.querySelector(":scope > label");
      var groupMatches = heading ? matches(heading.textContent, query) : false;
      var any = false;
      Array.prototype.forEach.call(group.querySelectorAll("input"), function (input) {
        var row = input.closest("div");
        var visible = groupMatches || input.checked || matches(input.parentNode.textContent, query);
        if (row && row !== group) { row.hidden = !visible; }
        any = any || visible;
      });
      group.hidden = !any;
    });
  }

  function bind(root) {
    Array.prototype.forEach.call(root.querySelectorAll("input[data-picker-filter]"), function (input) {
      if (input.getAttribute("data-bound")) { return; }
      input.setAttribute("data-bound", "1");
      var target = document.getElementById(input.getAttribute("data-picker-filter"));
      if (!target) { return; }
      input.addEventListener("input", function () {
        var query = input.value.trim().toLowerCase();
        if (target.tagName === "SELECT") { filterSelect(target, query); } else { filterBoxes(target, query); }
      });
      // Enter in the search box must not submit the form.
      input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bind(event.target); });
})();
