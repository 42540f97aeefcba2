// Housecall's small behaviours that htmx does not cover. Everything works without them.
(function () {
  "use strict";

  // Fill an empty time-zone menu with the browser's own zone.
  function defaultTimeZone(root) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    root.querySelectorAll("select[data-default-browser-zone]").forEach(function (select) {
      if (select.value === "" && zone && select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
      }
    });
  }

  // After htmx swaps in a fragment, move focus to what needs attention (errors first).
  function focusAfterSwap() {
    var focusable = document.querySelector("[data-focus-on-swap]");
    if (focusable) {
      focusable.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    defaultTimeZone(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    defaultTimeZone(document);
    focusAfterSwap();
  });
})();
