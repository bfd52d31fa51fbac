// Marketing pages: the A/B chart (Chart.js, vendored under static/vendor). A file, not inline: the
// Content-Security-Policy allows scripts from this site only.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") {
    return;
  }
  document.querySelectorAll("canvas.ab-chart[data-chart]").forEach(function (canvas) {
    var data = JSON.parse(canvas.dataset.chart);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.metric + " (%)", data: data.rates, backgroundColor: ["#6b8fd6", "#e0a040"] }],
      },
      options: { animation: false, responsive: false, scales: { y: { beginAtZero: true } } },
    });
  });
});
