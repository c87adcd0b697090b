// Paper entry, keyboard only: a digit fills the item and moves on, Backspace goes back, Enter on the
// last item reaches the save button. Totals are a typing aid (plain sum of the codes typed): the server
// scores the form and is the only authority. Critical items turn red the moment a positive code is typed.
(function () {
  "use strict";

  var form = document.querySelector("form[data-paper-entry]");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.item-input"));
  var submit = form.querySelector("[data-submit]");
  var status = form.querySelector("[data-entry-status]");

  function number(value) { return parseInt(value, 10); }

  function fits(input, digit) {
    var value = number(digit);
    return value >= number(input.getAttribute("data-min")) && value <= number(input.getAttribute("data-max"));
  }

  function focusAt(index) {
    if (index >= inputs.length) { if (submit) { submit.focus(); } return; }
    if (index < 0) { return; }
    inputs[index].focus();
    inputs[index].select();
  }

  function isPositive(input) {
    var threshold = input.getAttribute("data-critical");
    return threshold !== null && input.value !== "" && number(input.value) >= number(threshold);
  }

  function toggle(element, visible) {
    if (element) { element.classList.toggle("d-none", !visible); }
  }

  function refresh(slug) {
    var own = inputs.filter(function (input) { return input.getAttribute("data-instrument") === slug; });
    var sum = 0;
    var answered = 0;
    var positive = false;
    var acute = false;
    own.forEach(function (input) {
      if (input.value !== "" && !isNaN(number(input.value))) {
        sum += number(input.value);
        answered += 1;
      }
      var hit = isPositive(input);
      input.closest(".item-cell").classList.toggle("critical-positive", hit);
      positive = positive || hit;
      acute = acute || (hit && input.getAttribute("data-acute") === "1");
    });
    var total = form.querySelector('[data-total="' + slug + '"]');
    var count = form.querySelector('[data-answered="' + slug + '"]');
    if (total) { total.textContent = answered ? String(sum) : "—"; }
    if (count) { count.textContent = String(answered); }
    toggle(form.querySelector('[data-alert="' + slug + '"]'), positive && !acute);
    toggle(form.querySelector('[data-alert-acute="' + slug + '"]'), acute);
  }

  function refuse(input) {
    input.classList.add("flash");
    window.setTimeout(function () { input.classList.remove("flash"); }, 600);
    if (status) {
      status.textContent = (status.getAttribute("data-template") || "")
        .replace("{label}", input.getAttribute("aria-label") || "")
        .replace("{min}", input.getAttribute("data-min"))
        .replace("{max}", input.getAttribute("data-max"));
    }
  }

  function accept(input, index, digit) {
    input.value = digit;
    if (status) { status.textContent = ""; }
    refresh(input.getAttribute("data-instrument"));
    focusAt(index + 1);
  }

  function onKey(input, index, event) {
    var key = event.key;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (/^[0-9]$/.test(key)) {
      event.preventDefault();
      if (fits(input, key)) { accept(input, index, key); } else { refuse(input); }
    } else if (key === "Backspace") {
      event.preventDefault();
      if (input.value !== "") {
        input.value = "";
        refresh(input.getAttribute("data-instrument"));
      } else {
        focusAt(index - 1);
      }
    } else if (key === "Enter" || key === " " || key === "ArrowRight" || key === "ArrowDown") {
      event.preventDefault();  // Enter never submits from an item: on the last one it reaches the button
      focusAt(index + 1);
    } else if (key === "ArrowLeft" || key === "ArrowUp") {
      event.preventDefault();
      focusAt(index - 1);
    } else if (key.length === 1) {
      event.preventDefault();
      refuse(input);
    }
  }

  // Phone keyboards often send no usable key events: read what was typed instead.
  function onInput(input, index) {
    var digits = input.value.replace(/[^0-9]/g, "");
    var digit = digits.slice(-1);
    if (digit === "") {
      input.value = "";
      refresh(input.getAttribute("data-instrument"));
    } else if (fits(input, digit)) {
      accept(input, index, digit);
    } else {
      input.value = "";
      refresh(input.getAttribute("data-instrument"));
      refuse(input);
    }
  }

  inputs.forEach(function (input, index) {
    input.addEventListener("keydown", function (event) { onKey(input, index, event); });
    input.addEventListener("input", function () { onInput(input, index); });
    input.addEventListener("focus", function () { input.select(); });
  });

  var slugs = {};
  inputs.forEach(function (input) { slugs[input.getAttribute("data-instrument")] = true; });
  Object.keys(slugs).forEach(refresh);

  // Ready to type at once: the first item, or the first problem of a form shown again.
  var start = form.querySelector(".is-invalid") || inputs[0];
  if (start) { start.focus(); }
})();
