// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // MB WAY countdown: shows minutes and seconds left until the time the server gave.
  // The server alone decides when the order expires; this only keeps the buyer informed.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) return;
      var left = Math.max(0, Math.round((end - now) / 1000));
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
})();
