// Reports: draws the dashboard's charts from each canvas's data-chart-spec attribute (JSON: no inline
// script, which the CSP forbids). Every chart has a table beside it: without JS nothing is lost.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var styles = getComputedStyle(document.documentElement);
  function colour(name) {
    var fallback = { delivered: "#1e7a46", planned: "#2f6db5", remaining: "#adb5bd", over: "#b02a37" };
    var value = styles.getPropertyValue("--" + name).trim();
    return value || fallback[name] || "#1b3a6b";
  }
  var locale = document.documentElement.lang || "fr";
  var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

  document.querySelectorAll("canvas[data-report-chart]").forEach(function (canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart-spec"));
    } catch (error) {
      return;
    }
    if (!spec || !spec.labels || spec.labels.length === 0) {
      return;
    }
    var horizontal = Boolean(spec.horizontal);
    var valueAxis = horizontal ? "x" : "y";
    var scales = { x: { stacked: Boolean(spec.stacked) }, y: { stacked: Boolean(spec.stacked) } };
    scales[valueAxis].beginAtZero = true;
    if (horizontal) {
      scales.y.ticks = { autoSkip: false };  // one label per member row: the table beside uses them all
    }
    if (spec.integer) {
      scales[valueAxis].ticks = { precision: 0 };  // counts: no "2.5 evaluations" on the axis
    }
    if (spec.max) {
      scales[valueAxis].suggestedMax = spec.max;
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set) {
          return {
            label: set.label, data: set.data, backgroundColor: colour(set.color),
            borderColor: colour(set.color), spanGaps: true, tension: 0.2, pointRadius: 2
          };
        })
      },
      options: {
        locale: locale,  // French decimal commas on the axes, like the tables
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = horizontal ? context.parsed.x : context.parsed.y;
                return context.dataset.label + " : " + number.format(value) + " " + (spec.unit || "");
              }
            }
          }
        }
      }
    });
  });
})();
