// The waiting room's and the visit room's heartbeat: while the page is open AND on screen, tell
// the server every minute that the person is still here (this request counts as activity, so
// they stay signed in). The page's own polls are background requests that never do; a hidden
// or closed page sends nothing, so the idle sign-out runs as it should.
(function () {
  "use strict";
  var EVERY_MS = 60 * 1000;

  function start() {
    var element = document.getElementById("presence");
    if (!element) {
      return;
    }
    var url = element.dataset.stillHereUrl;
    var csrf = element.dataset.csrf;
    var last = 0;

    function beat() {
      if (document.visibilityState !== "visible") {
        return;
      }
      last = Date.now();
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
      }).catch(function () {});
    }

    window.setInterval(beat, EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      // Back on screen after a while: say so at once rather than at the next minute.
      if (document.visibilityState === "visible" && Date.now() - last > EVERY_MS / 2) {
        beat();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
