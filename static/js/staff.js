/* Staff KPI pages: trend charts from the json_script data, and definition tooltips. No inline script (CSP). */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value && value.trim()) || fallback;
  }

  function drawCharts() {
    var source = document.getElementById("kpi-trend");
    if (!source || typeof window.Chart === "undefined") return;
    var trend = JSON.parse(source.textContent);
    var names = trend.names || {};
    var blue = cssVar("--bs-primary", "#0d6efd");
    var orange = cssVar("--bs-warning", "#ffc107");
    var green = cssVar("--bs-success", "#198754");
    var red = cssVar("--bs-danger", "#dc3545");
    var common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    };

    var volume = document.getElementById("chart-volume");
    if (volume) {
      var datasets = [{ label: names.handled, data: trend.handled, backgroundColor: blue }];
      if (trend.complaints && trend.complaints.length) {
        datasets.push({ label: names.complaints, data: trend.complaints, backgroundColor: red });
      }
      var volumeChart = new window.Chart(volume, {
        type: "bar",
        data: { labels: trend.labels, datasets: datasets },
        options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
      });
      volume.dataset.points = String(trend.handled.reduce(function (a, b) { return a + b; }, 0));
      volume.dataset.drawn = volumeChart ? "1" : "";
    }

    var quality = document.getElementById("chart-quality");
    if (quality) {
      var qualityChart = new window.Chart(quality, {
        type: "line",
        data: {
          labels: trend.labels,
          datasets: [
            { label: names.sla, data: trend.sla, borderColor: green, backgroundColor: green, yAxisID: "pct", spanGaps: true, tension: 0.2 },
            { label: names.csat, data: trend.csat, borderColor: orange, backgroundColor: orange, yAxisID: "csat", spanGaps: true, tension: 0.2 }
          ]
        },
        options: Object.assign({}, common, {
          scales: {
            pct: { type: "linear", position: "left", min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
            csat: { type: "linear", position: "right", min: 1, max: 5, grid: { drawOnChartArea: false } }
          }
        })
      });
      quality.dataset.points = String(trend.sla.filter(function (v) { return v !== null; }).length);
      quality.dataset.drawn = qualityChart ? "1" : "";
    }
  }

  function tooltips() {
    if (!window.bootstrap || !window.bootstrap.Tooltip) return;
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el, { container: "body" });
    });
  }

  function init() {
    drawCharts();
    tooltips();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
