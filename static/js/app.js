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

  // Copy buttons beside voucher values (entity, reference, amount). Without
  // JavaScript the values are still selectable with one tap (CSS user-select: all).
  function addCopyButtons(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]:not([data-copy-ready])").forEach(function (el) {
      el.setAttribute("data-copy-ready", "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--ghost copy-button";
      button.textContent = document.documentElement.lang === "en" ? "Copy" : "Copiar";
      button.addEventListener("click", function () {
        var value = el.getAttribute("data-copy");
        navigator.clipboard.writeText(value).then(function () {
          button.textContent = document.documentElement.lang === "en" ? "Copied" : "Copiado";
        });
      });
      el.appendChild(button);
    });
  }

  function start() {
    tick();
    setInterval(tick, 1000);
    addCopyButtons(document);
  }
  // Pages ask for this file once their first view is shown (templates/_components/
  // first_view.html): by then the document is parsed, and DOMContentLoaded has passed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Server-built dataLayer events that arrived in a swapped fragment (the order turning
  // paid while the page follows it): pushed once each.
  function pushServerEvents(root) {
    root.querySelectorAll("script[data-datalayer]:not([data-pushed])").forEach(function (el) {
      el.setAttribute("data-pushed", "");
      window.dataLayer = window.dataLayer || [];
      JSON.parse(el.textContent).forEach(function (event) {
        window.dataLayer.push(event);
      });
    });
  }

  // The order status block is swapped by htmx while it waits: new values, new buttons.
  document.addEventListener("htmx:after:swap", function () {
    addCopyButtons(document);
    pushServerEvents(document);
  });
})();
