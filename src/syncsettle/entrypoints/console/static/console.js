/* Charts: every element with data-chart holds an ECharts option (JSON); draw it on load and after
   each htmx swap, dispose the instances an htmx swap removes. */
(function () {
  "use strict";
  var FONT = '"SyncSettle Slip Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function draw(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      var option = JSON.parse(el.getAttribute("data-chart"));
      if (still) { option.animation = false; }
      // canvas text does not inherit the page's font: give ECharts the console's embedded CJK font
      option.textStyle = Object.assign({ fontFamily: FONT }, option.textStyle || {});
      chart.setOption(option, true);
    });
  }
  function dispose(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    // the web font may arrive after the first drawing: draw again once it is there
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { draw(document); }); }
  });
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
