// The cookie banner, enhanced; it is answered the same way without this file.
(function () {
  "use strict";

  // Once the visitor types into a form of the page (a checkout half filled in, the
  // lead form), accepting cookies must not load the page again and wipe what she typed:
  // the banner's form then says so, and the server keeps the page (tags start on the
  // next one, which carries their CSP nonce).
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.form || field.form.querySelector("[data-consent-keep-page]")) return;
    document.querySelectorAll("[data-consent-keep-page]").forEach(function (flag) {
      flag.value = "1";
    });
  });
})();
