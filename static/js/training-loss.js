// A training run's loss chart (Chart.js, vendored under static/vendor/chartjs): training and validation
// loss by step, from the canvas's data-chart attribute (no inline script, as the Content-Security-Policy asks).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("loss-chart");
  if (!canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(canvas.dataset.chart);
  var colours = ["#1565c0", "#ef6c00"];
  var chart = new Chart(canvas, {
    type: "line",
    data: {
      datasets: data.series.map(function (series, index) {
        return { label: series.label, data: series.data, borderColor: colours[index], pointRadius: 1 };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      parsing: true,
      scales: { x: { type: "linear", title: { display: true, text: "step" } }, y: { beginAtZero: false } },
    },
  });
  canvas.dataset.rendered = String(chart.data.datasets[0].data.length);
});
