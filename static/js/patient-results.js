// The patient's results pages: a Print button where printing makes sense. The page prints just as
// well from the browser's own menu; without JavaScript the button stays hidden.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.print !== "function") {
      return;
    }
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
