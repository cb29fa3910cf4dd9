// Draw every chart on the page: <div data-chart="ID"> with its figure in <script type="application/json" id="ID">.
document.querySelectorAll("[data-chart]").forEach(function (el) {
  var fig = JSON.parse(document.getElementById(el.dataset.chart).textContent);
  Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true});
});
