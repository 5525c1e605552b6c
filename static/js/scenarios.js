// Scenarios: while a scenario waits for or goes through its run (in the scheduler process), poll its
// status every few seconds and reload the page once it is done. Without JS the page has a refresh link.
(function () {
  "use strict";
  var box = document.getElementById("scenario-state");
  if (!box || ["queued", "running"].indexOf(box.getAttribute("data-status")) < 0 || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-state-url");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        var label = box.querySelector("[data-scenario-label]");
        var progress = box.querySelector("progress");
        var percent = box.querySelector("[data-scenario-progress]");
        if (label) { label.textContent = state.label; }
        if (progress) { progress.value = state.progress; }
        if (percent) { percent.textContent = state.progress; }
        if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 3000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 2000);
})();
