/* Charts: every element with data-chart holds an ECharts option (JSON); draw it on load and after
   each htmx swap, dispose the instances an htmx swap removes. */
(function () {
  "use strict";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function draw(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      var option = JSON.parse(el.getAttribute("data-chart"));
      if (still) { option.animation = false; }
      chart.setOption(option, true);
    });
  }
  function dispose(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (e) { dispose(e.detail.target); });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.detail.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
  window.syncsettleCharts = { draw: draw };
})();
