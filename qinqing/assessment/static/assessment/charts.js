/* Assessment charts: each element with data-chart reads its data from a json_script tag. */
(function () {
  "use strict";
  var RED = "#a8071a";
  var BLUE = "#0b4fa8";
  var GREEN = "#0e6b2e";
  var GREY = "#4e5969";

  function readData(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function base(d) {
    return {
      aria: { enabled: true },
      animation: false,
      textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" },
      title: { text: d.title || "", left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" }
    };
  }

  var builders = {
    ranking: function (d) {
      var o = base(d);
      o.grid = { left: 16, right: 56, top: 40, bottom: 24, containLabel: true };
      o.xAxis = { type: "value", min: 0, max: 100, name: "总分" };
      o.yAxis = { type: "category", inverse: true, data: d.names, axisLabel: { color: GREY } };
      o.series = [{
        type: "bar",
        name: "总分",
        barMaxWidth: 22,
        label: { show: true, position: "right" },
        data: d.totals.map(function (v, i) {
          return { value: v, itemStyle: { color: d.flagged[i] ? RED : BLUE } };
        })
      }];
      return o;
    },
    trend: function (d) {
      var o = base(d);
      o.legend = { bottom: 0 };
      o.grid = { left: 16, right: 24, top: 40, bottom: 40, containLabel: true };
      o.xAxis = { type: "category", data: d.periods };
      o.yAxis = { type: "value", min: 0, max: 100, name: "总分" };
      o.series = [
        { type: "line", name: "平均分", data: d.average, itemStyle: { color: BLUE } },
        { type: "line", name: "最高分", data: d.best, itemStyle: { color: GREEN } },
        { type: "line", name: "最低分", data: d.worst, itemStyle: { color: RED } }
      ];
      return o;
    },
    unitTrend: function (d) {
      var o = base(d);
      o.legend = { bottom: 0 };
      o.grid = { left: 16, right: 24, top: 40, bottom: 40, containLabel: true };
      o.xAxis = { type: "category", data: d.periods };
      o.yAxis = [
        { type: "value", min: 0, max: 100, name: "总分" },
        { type: "value", name: "名次", inverse: true, minInterval: 1 }
      ];
      o.series = [
        { type: "line", name: "总分", data: d.totals, itemStyle: { color: BLUE } },
        { type: "line", name: "名次", yAxisIndex: 1, data: d.ranks, itemStyle: { color: GREY } }
      ];
      return o;
    },
    external: function (d) {
      var o = base(d);
      o.grid = { left: 16, right: 56, top: 40, bottom: 24, containLabel: true };
      o.xAxis = { type: "value", min: 0, max: d.total, name: "全省名次" };
      o.yAxis = { type: "category", inverse: true, data: d.names };
      o.series = [{
        type: "bar",
        name: "全省名次",
        barMaxWidth: 22,
        label: { show: true, position: "right" },
        data: d.ranks.map(function (v, i) {
          return { value: v, itemStyle: { color: d.flagged[i] ? RED : BLUE } };
        })
      }];
      return o;
    }
  };

  function render() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var nodes = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var d = readData(el.getAttribute("data-source"));
      if (!build || !d) {
        return;
      }
      var rowHeight = Number(el.getAttribute("data-row-height"));
      if (rowHeight && d.names) {
        // one row per unit (at least the chart's usual height); set through the CSSOM, which
        // the CSP allows, where a style attribute in the page would be refused
        el.style.height = Math.max(260, d.names.length * rowHeight) + "px";
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(d));
      el.setAttribute("data-rendered", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
