/* Shows and hides conditional questions as the citizen answers. The server evaluates the same
   conditions on submit (app/forms/conditions.py), so the form also works without this file. */
(function () {
  "use strict";
  var form = document.querySelector("form[method=post]");
  if (!form) return;
  // After a refused submit: focus the list of errors, so keyboard and screen-reader users
  // start there (each item links to its question).
  var errors = document.getElementById("errors");
  if (errors) errors.focus();
  if (!form.querySelector("[data-show-if]")) return;
  // Sections and questions in document order; those with a condition may be hidden, and so is
  // everything inside a hidden one (the server may also have hidden some after a submit).
  var parts = form.querySelectorAll("section, .q");

  // Answers as the server would receive them, except those inside parts already found off in
  // this pass (``off``): a hidden question counts as unanswered for the conditions after it.
  function given(data, code) {
    return data.filter(function (d) { return d.name === code && !d.off(); })
      .map(function (d) { return String(d.value).trim(); })
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
    if (el.tagName === "FIELDSET") el.disabled = !on;  // the server disables hidden ones too
    el.querySelectorAll("input,textarea,select").forEach(function (i) { i.disabled = !on; });
  }
  function update() {
    // Decide every part first (document order: a section before its questions, an answer
    // before what depends on it), then touch only what changes: showing and re-hiding parts
    // in between would let the page jump under the citizen's finger.
    var state = new Map();
    function off(el) {
      for (var a = el; a && a !== form; a = a.parentElement) if (state.get(a) === false) return true;
      return false;
    }
    var data = [];
    Array.prototype.forEach.call(form.elements, function (i) {
      if (!i.name || ((i.type === "radio" || i.type === "checkbox") && !i.checked)) return;
      data.push({ name: i.name, value: i.value, off: function () { return off(i); } });
    });
    parts.forEach(function (el) {
      var rule = el.getAttribute("data-show-if");
      state.set(el, !off(el.parentElement) && (!rule || holds(JSON.parse(rule), data)));
    });
    state.forEach(function (on, el) { if (el.hidden === on) setOn(el, on); });
    state.forEach(function (on, el) {  // a part shown again re-enabled what it holds
      if (!on) el.querySelectorAll("input,textarea,select").forEach(function (i) { i.disabled = true; });
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
