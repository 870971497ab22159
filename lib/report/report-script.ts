/**
 * The page's own script: reads the JSON data block and draws the charts with the inlined Chart.js. Plain
 * browser JavaScript kept as text (not a compiled function's source: tsx and esbuild rewrite functions, and
 * the page must run exactly this). Values reach the DOM only through Chart.js's canvas text, never as HTML.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var font = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.font.family = font;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#374151';
  Chart.defaults.animation = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 14;
  // Legend in the order of the datasets, whatever their drawing order.
  Chart.defaults.plugins.legend.labels.sort = function (a, b) { return a.datasetIndex - b.datasetIndex; };
  Chart.defaults.plugins.tooltip.mode = 'nearest';
  Chart.defaults.maintainAspectRatio = false;

  var number = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
  var compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
  var percent = function (v) { return Math.round(v * 100) + '%'; };
  var grid = { color: '#eef0f3' };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  if (data.gain) drawGain(data.gain);
  if (data.calibration) drawCalibration(data.calibration);

  function drawGain(gain) {
    var lines = [
      { label: 'Perfect ordering', data: points(gain.perfect), borderColor: '#111827', borderDash: [6, 4], borderWidth: 1.5 },
    ];
    gain.systems.forEach(function (s) {
      lines.push({
        label: s.label,
        data: points(s.curve),
        borderColor: s.color,
        borderWidth: s.focus ? 3 : 1.5,
        order: s.focus ? 0 : 1,
      });
    });
    lines.push({ label: 'Random', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#9ca3af', borderDash: [2, 3], borderWidth: 1 });
    draw('chart-gain', {
      type: 'line',
      data: { datasets: lines },
      options: {
        parsing: false,
        elements: { point: { radius: 0, hitRadius: 6 }, line: { tension: 0 } },
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: { type: 'linear', min: 0, max: 1, grid: grid, title: { display: true, text: 'share of customers, highest predicted first' }, ticks: { callback: percent } },
          y: { min: 0, max: 1, grid: grid, title: { display: true, text: 'share of actual value' }, ticks: { callback: percent } },
        },
        plugins: {
          legend: { labels: { usePointStyle: true, pointStyle: 'line' } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + percent(c.parsed.y) + ' of value in top ' + percent(c.parsed.x); } } },
        },
      },
    });
  }

  function drawCalibration(deciles) {
    draw('chart-calibration', {
      type: 'bar',
      data: {
        labels: deciles.predicted.map(function (_, i) { return i === 0 ? '1 (top)' : String(i + 1); }),
        datasets: [
          { label: 'mean predicted', data: deciles.predicted, backgroundColor: '#2563eb' },
          { label: 'mean actual', data: deciles.actual, backgroundColor: '#f59e0b' },
        ],
      },
      options: {
        scales: {
          x: { grid: { display: false }, title: { display: true, text: 'decile of predicted value' } },
          y: { beginAtZero: true, grid: grid, title: { display: true, text: data.valueName + ' per customer' }, ticks: { callback: function (v) { return compact.format(v); } } },
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + number.format(c.parsed.y); } } } },
      },
    });
  }

  var histogram = data.histogram;
  draw('chart-distribution', {
    type: 'bar',
    data: {
      labels: histogram.counts.map(function (_, i) {
        return compact.format(histogram.edges[i]) + '–' + compact.format(histogram.edges[i + 1]);
      }),
      datasets: [{ label: 'customers', data: histogram.counts, backgroundColor: '#2563eb', categoryPercentage: 0.95, barPercentage: 1 }],
    },
    options: {
      scales: {
        x: { grid: { display: false }, title: { display: true, text: 'predicted ' + data.valueName + ' (log-spaced bins)' } },
        y: { beginAtZero: true, grid: grid, title: { display: true, text: 'customers' }, ticks: { precision: 0 } },
      },
      plugins: { legend: { display: false } },
    },
  });

  var importance = data.importance;
  if (importance) {
    draw('chart-importance', {
      type: 'bar',
      data: {
        labels: importance.map(function (f) { return f.name; }),
        datasets: [{ label: 'drop in Gini when shuffled', data: importance.map(function (f) { return f.drop; }), backgroundColor: importance.map(function (f) { return f.drop >= 0 ? '#2563eb' : '#9ca3af'; }) }],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { grid: grid, title: { display: true, text: 'drop in normalized Gini' } },
          y: { grid: { display: false }, ticks: { autoSkip: false } },
        },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return 'Gini drop ' + c.parsed.x.toFixed(4); } } } },
      },
    });
  }

  var tracking = data.tracking;
  if (tracking) {
    draw('chart-tracking', {
      type: 'line',
      data: {
        labels: tracking.labels,
        datasets: [
          { label: 'actual', data: tracking.actual, borderColor: '#f59e0b', backgroundColor: '#f59e0b', borderWidth: 2 },
          { label: 'forecast', data: tracking.predicted, borderColor: '#2563eb', backgroundColor: '#2563eb', borderWidth: 2, borderDash: [6, 4] },
        ],
      },
      options: {
        elements: { point: { radius: 2 }, line: { tension: 0 } },
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { grid: { display: false }, title: { display: true, text: 'week starting' } },
          y: { beginAtZero: true, grid: grid, title: { display: true, text: 'repeat purchase days' }, ticks: { precision: 0 } },
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + number.format(c.parsed.y); } } } },
      },
    });
  }

  function points(curve) {
    return curve.x.map(function (x, i) { return { x: x, y: curve.y[i] }; });
  }
})();
`;
