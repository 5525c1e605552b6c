// Request form: as the number of days or the start date changes, ask the server whether the request
// fits the drawing right and show its answer. Without JS the "Vérifier" button gives the same message.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  var output = document.getElementById("quota-position");
  var days = document.getElementById("days");
  var earliest = document.getElementById("earliest");
  var deadline = document.getElementById("deadline");
  if (!form || !output || !days || !form.dataset.checkUrl || !window.fetch) { return; }
  var timer = null;
  var asked = 0;

  function check() {
    var url = new URL(form.dataset.checkUrl, window.location.href);
    url.searchParams.set("jours", days.value);
    if (earliest && earliest.value) { url.searchParams.set("debut", earliest.value); }
    if (deadline && deadline.value) { url.searchParams.set("fin", deadline.value); }
    var ticket = ++asked;
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.status === 200 ? response.text() : null; })
      .then(function (html) {
        // Only the latest answer counts; a number that is not valid yet leaves the message as it was.
        if (html !== null && ticket === asked) { output.innerHTML = html; }
      })
      .catch(function () { /* offline: the "Vérifier" button still works */ });
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  }
  days.addEventListener("input", later);
  [earliest, deadline].forEach(function (input) { if (input) { input.addEventListener("change", later); } });
})();
