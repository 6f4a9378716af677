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

  // The dashboard's complaint and income charts (json_script "dashboard-charts", built by staff/views/dashboard.py).
  function drawDashboardCharts() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var charts = JSON.parse(source.textContent);
    var palette = [cssVar("--bs-primary", "#0d6efd"), cssVar("--bs-danger", "#dc3545"), cssVar("--bs-warning", "#ffc107"),
      cssVar("--bs-success", "#198754"), cssVar("--bs-info", "#0dcaf0"), cssVar("--bs-secondary", "#6c757d"), "#6f42c1"];
    var common = { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };
    function draw(id, config) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      var chart = new window.Chart(canvas, config);
      canvas.dataset.drawn = chart ? "1" : "";
    }
    if (charts.complaints) {
      draw("chart-complaint-category", { type: "bar", data: { labels: charts.complaints.labels,
        datasets: [{ label: charts.complaints.name, data: charts.complaints.counts, backgroundColor: palette[0] }] },
        options: Object.assign({}, common, { indexAxis: "y", plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }) });
    }
    if (charts.timeliness) {
      draw("chart-complaint-timeliness", { type: "doughnut", data: { labels: charts.timeliness.labels,
        datasets: [{ data: charts.timeliness.counts, backgroundColor: [palette[3], palette[1]] }] }, options: common });
    }
    if (charts.revenue) {
      draw("chart-revenue", { type: "bar", data: { labels: charts.revenue.labels,
        datasets: charts.revenue.series.map(function (series, i) {
          return { label: series.name, data: series.data, backgroundColor: palette[i % palette.length] };
        }) },
        options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }) });
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
    drawDashboardCharts();
    tooltips();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
