// The insights page's sentiment chart (Chart.js, vendored under static/vendor/chartjs). The data
// comes from the canvas's data-chart attribute: no inline script, as the Content-Security-Policy asks.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("sentiment-chart");
  if (!canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(canvas.dataset.chart);
  var colours = { positive: "#2e7d32", neutral: "#9e9e9e", negative: "#c62828" };
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series) {
        return { label: series.label, data: series.data, backgroundColor: colours[series.key], stack: "reviews" };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  canvas.dataset.rendered = String(chart.data.labels.length);
});
