// Check-in by camera: an enhancement of the code form, which works without this file.
// The scanner reads a ticket's QR, puts its code in the form's `code` field and submits
// the same form (htmx swaps the answer in; without htmx the page is posted as usual).
// The browser's own BarcodeDetector is used where it exists; elsewhere jsQR (npm,
// built into static/ by `make assets`) is loaded from this site the first time.
(function () {
  "use strict";

  var scanner = document.querySelector("[data-scanner]");
  if (!scanner) return;
  // No camera to ask for (an old browser, or a page not served over HTTPS): typing only.
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    scanner.hidden = true;
    return;
  }

  var startButton = scanner.querySelector("[data-scan-start]");
  var stopButton = scanner.querySelector("[data-scan-stop]");
  var video = scanner.querySelector("[data-scan-video]");
  var status = scanner.querySelector("[data-scan-status]");
  var nonce = document.currentScript ? document.currentScript.nonce : "";
  var stream = null;
  var detect = null;
  // A ticket stays in front of the camera for a while: it is sent once, and again only
  // after it has been out of sight for a moment (a second "ok" is impossible anyway, but
  // a yellow "already" for the person still standing there would only confuse). A
  // short pause after each code lets the door read the answer.
  var lastCode = "";
  var lastSeenAt = 0;
  var pausedUntil = 0;
  var GONE_MS = 3000;
  var PAUSE_MS = 1500;

  function say(text) {
    status.textContent = text || "";
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.nonce = nonce;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) return null;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (source) {
          return detector.detect(source).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      })
      .catch(function () {
        return null;
      });
  }

  function fallbackDetector() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var ready = window.jsQR ? Promise.resolve() : loadScript(scanner.getAttribute("data-decoder"));
    return ready.then(function () {
      return function (source) {
        var width = source.videoWidth;
        var height = source.videoHeight;
        if (!width || !height) return Promise.resolve(null);
        canvas.width = width;
        canvas.height = height;
        context.drawImage(source, 0, 0, width, height);
        var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, {
          inversionAttempts: "dontInvert",
        });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function submitCode(code) {
    var form = document.querySelector("[data-checkin-form]");
    if (!form) return;
    form.querySelector("[name=code]").value = code;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function tick() {
    if (!stream) return;
    var now = Date.now();
    if (now < pausedUntil || video.readyState < 2) {
      requestAnimationFrame(tick);
      return;
    }
    detect(video)
      .then(function (code) {
        if (!code) return;
        var at = Date.now();
        var fresh = code !== lastCode || at - lastSeenAt > GONE_MS;
        lastCode = code;
        lastSeenAt = at;
        if (fresh) {
          pausedUntil = at + PAUSE_MS;
          submitCode(code);
        }
      })
      .catch(function () {})
      .then(function () {
        // A few reads a second are plenty, and spare the phone's battery.
        setTimeout(function () {
          requestAnimationFrame(tick);
        }, 150);
      });
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    say("");
  }

  function start() {
    startButton.disabled = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        return video.play();
      })
      .then(nativeDetector)
      .then(function (native) {
        return native || fallbackDetector();
      })
      .then(function (detector) {
        detect = detector;
        startButton.hidden = true;
        stopButton.hidden = false;
        say(scanner.getAttribute("data-msg-looking"));
        tick();
      })
      .catch(function () {
        stop();
        say(scanner.getAttribute("data-msg-denied"));
      })
      .then(function () {
        startButton.disabled = false;
      });
  }

  // Typing at the door: after each answer the field is ready for the next code.
  // Scanning: the video stands above the answer, which on a phone lands below the fold;
  // it is brought into sight (the camera keeps reading while scrolled).
  document.addEventListener("htmx:after:swap", function () {
    var field = document.querySelector("[data-checkin-form] [name=code]");
    if (field && !stream) field.focus();
    var answer = document.querySelector("[data-checkin]");
    if (answer && stream) answer.scrollIntoView({ block: "nearest" });
  });

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  // The camera goes off with the page (and when the phone is locked).
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) stop();
  });
})();
