/* Shows and hides conditional questions as the citizen answers. The server evaluates the same
   conditions on submit (app/forms/conditions.py), so the form also works without this file. */
(function () {
  "use strict";
  var form = document.querySelector("form[method=post]");
  if (!form) return;
  var parts = form.querySelectorAll("[data-show-if]");
  if (!parts.length) return;

  function given(data, code) {
    return data.getAll(code).map(function (v) { return String(v).trim(); })
      .filter(function (v) { return v !== ""; });
  }
  function num(v) {
    var n = parseFloat(v.replace(",", "."));
    return isNaN(n) ? null : n;
  }
  function holds(c, data) {
    if (c.all) return c.all.every(function (x) { return holds(x, data); });
    if (c.any) return c.any.some(function (x) { return holds(x, data); });
    if (c.not) return !holds(c.not, data);
    var vals = given(data, c.question);
    if (c.answered !== undefined) return (vals.length > 0) === c.answered;
    if (c.in) return vals.some(function (v) { return c.in.indexOf(v) >= 0; });
    if (c.not_in) return vals.length > 0 && !vals.some(function (v) { return c.not_in.indexOf(v) >= 0; });
    return vals.some(function (v) {
      var n = num(v);
      return n !== null && (c.min === undefined || n >= c.min) && (c.max === undefined || n <= c.max);
    });
  }
  function setOn(el, on) {
    el.hidden = !on;
    el.querySelectorAll("input,textarea,select").forEach(function (i) { i.disabled = !on; });
  }
  function update() {
    // Document order: a section before its questions, an answer before what depends on it.
    form.querySelectorAll("section").forEach(function (s) { setOn(s, true); });
    form.querySelectorAll(".q").forEach(function (q) { setOn(q, true); });
    parts.forEach(function (el) {
      var inside = el.parentElement.closest("[hidden]");
      setOn(el, !inside && holds(JSON.parse(el.getAttribute("data-show-if")), new FormData(form)));
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
