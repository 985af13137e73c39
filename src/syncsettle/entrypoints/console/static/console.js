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
  // a wide table scrolls inside its own box instead of pushing the page past the window
  function wrapTables(root) {
    (root || document).querySelectorAll("table.data").forEach(function (table) {
      var parent = table.parentElement;
      if (parent && parent.classList.contains("table-scroll")) { return; }
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    wrapTables(document);
    draw(document);
    // the web font may arrive after the first drawing: draw again once it is there
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { draw(document); }); }
  });
  document.addEventListener("htmx:beforeSwap", function (e) { dispose(e.detail.target); });
  document.addEventListener("htmx:afterSettle", function (e) { wrapTables(document); draw(e.detail.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
  window.syncsettleCharts = { draw: draw };
})();
