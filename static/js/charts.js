// The one chart component (apps/core/charts.py writes the spec into each canvas's data-chart):
// Chart.js from static/vendor, with dates and numbers in the page's language. A file, not inline:
// the Content-Security-Policy allows scripts from this site only.
"use strict";

(function () {
  var COLOURS = {
    positive: "#2e7d32", neutral: "#8a939c", negative: "#c62828",
    succeeded: "#2e7d32", failed: "#c62828", a: "#1d5fc4", b: "#d08a00",
    train: "#1d5fc4", validation: "#d08a00",
  };
  // Distinguishable with the common colour-vision deficiencies (Okabe-Ito).
  var PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"];

  function language() {
    return document.documentElement.lang || "en";
  }

  function dateLabels(labels, axis) {
    var dates = labels.map(function (label) {
      return new Date(axis === "date" ? label + "T00:00:00" : label);
    });
    var years = new Set(dates.map(function (d) { return d.getFullYear(); }));
    var options = axis === "date"
      ? { month: "short", day: "numeric" }
      : { month: "short", day: "numeric", hour: "numeric" };
    if (years.size > 1) options.year = "numeric";
    var format = new Intl.DateTimeFormat(language(), options);
    return dates.map(function (d) { return format.format(d); });
  }

  function valueFormat(spec) {
    if (spec.values === "share") {
      return new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 1 });
    }
    if (spec.values === "count") return new Intl.NumberFormat(language(), { maximumFractionDigits: 0 });
    return new Intl.NumberFormat(language(), { maximumFractionDigits: 3 });
  }

  function build(canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var format = valueFormat(spec);
    var labels = spec.axis === "category" ? spec.labels : dateLabels(spec.labels, spec.axis);
    var stacked = spec.kind === "stacked" || spec.kind === "stacked-horizontal";
    var horizontal = spec.kind === "stacked-horizontal";
    var datasets = spec.series.map(function (series, index) {
      var colour = COLOURS[series.key] || PALETTE[index % PALETTE.length];
      return {
        label: series.label,
        data: series.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: spec.kind === "line" ? 2 : 0,
        pointRadius: spec.kind === "line" && series.data.length > 40 ? 0 : 2,
        spanGaps: true,
        stack: stacked ? "all" : undefined,
      };
    });
    var valueAxis = {
      stacked: stacked,
      beginAtZero: spec.kind !== "line",
      title: { display: Boolean(spec.yTitle), text: spec.yTitle },
      ticks: {
        precision: spec.values === "count" ? 0 : undefined,
        callback: function (value) { return format.format(value); },
      },
    };
    var labelAxis = { stacked: stacked, title: { display: Boolean(spec.xTitle), text: spec.xTitle } };
    var chart = new Chart(canvas, {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: horizontal ? 1.4 : 2,
        indexAxis: horizontal ? "y" : "x",
        locale: language(),
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + format.format(item.parsed[horizontal ? "x" : "y"]);
              },
            },
          },
        },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
    canvas.dataset.rendered = String(chart.data.labels.length);
    return chart;
  }

  window.ecomaiChart = build;

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(build);
  });
})();
