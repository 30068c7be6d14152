/* Kiosk mode on a desk tablet: nothing of one citizen is left for the next.
   On the form (data-kiosk-idle): once touched, a form left alone that many seconds is replaced
   by a fresh one. On the thank-you page (data-kiosk-return): a countdown, then a fresh form
   (the page's <meta http-equiv=refresh> does the same without this script). */
(function () {
  "use strict";
  var body = document.body;
  var home = body.getAttribute("data-kiosk-home");
  if (!home) return;
  function fresh() { window.location.replace(home); }

  var back = parseInt(body.getAttribute("data-kiosk-return"), 10);
  if (back > 0) {
    var left = back;
    var label = document.getElementById("kiosk-countdown");
    var text = label ? label.textContent : "";
    setInterval(function () {
      left -= 1;
      if (left <= 0) fresh();
      else if (label) label.textContent = text.replace(/\d+/, String(left));
    }, 1000);
    return;
  }

  var idle = parseInt(body.getAttribute("data-kiosk-idle"), 10) * 1000;
  if (!(idle > 0)) return;
  var timer = null;
  function touched() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fresh, idle);
  }
  ["pointerdown", "keydown", "input", "change", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true, capture: true });
  });
  if (document.querySelector("[role=alert]")) touched();  // answers came back with errors
  // Coming back through the history must not show the previous citizen's answers.
  window.addEventListener("pageshow", function (event) { if (event.persisted) fresh(); });
})();
