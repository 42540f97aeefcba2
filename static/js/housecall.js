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

  // What needs attention after a page loads or a fragment is swapped in carries `autofocus`
  // (with tabindex="-1" when it is not a control): the browser focuses it on a full page
  // load, with or without JavaScript, and htmx focuses it in swapped content. Templates not
  // yet moved to `autofocus` mark it `data-focus-on-swap`, focused here after swaps only.
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
