// Reminders dashboard: the per-day chart (data from a json_script element; no inline JavaScript).
(function () {
  "use strict";
  const canvas = document.getElementById("reminder-chart");
  const source = document.getElementById("reminder-chart-data");
  const labels = document.getElementById("reminder-chart-labels");
  if (!canvas || !source || !labels || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = {
    sent: { sms: "#6ea8fe", voice: "#0d6efd" },
    delivered: { sms: "#75b798", voice: "#198754" },
    failed: { sms: "#ea868f", voice: "#dc3545" },
  };
  const datasets = data.series.map(function (s) {
    return {
      label: labels.dataset[s.channel + (s.measure === "sent" ? "Sent" : s.measure === "delivered" ? "Delivered" : "Failed")],
      data: s.data,
      backgroundColor: colours[s.measure][s.channel],
      stack: s.measure,
      borderWidth: 0,
    };
  });
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: datasets },
    options: {
      maintainAspectRatio: false,
      animation: false, // a report, not a show (and screenshots see the final bars)
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
