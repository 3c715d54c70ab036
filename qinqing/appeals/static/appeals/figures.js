(function () {
  "use strict";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var chart = data("chart-data"), trend = data("trend-data");
  if (!window.echarts || !chart) { return; }
  var ranking = echarts.init(document.getElementById("chart-ranking"));
  ranking.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["综合得分", "响应率", "解决率", "满意率"] },
    grid: { left: 40, right: 20, bottom: 90 },
    xAxis: { type: "category", data: chart.names, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: "value", max: 100, name: "%" },
    series: [
      { name: "综合得分", type: "bar", data: chart.score },
      { name: "响应率", type: "bar", data: chart.response },
      { name: "解决率", type: "bar", data: chart.resolution },
      { name: "满意率", type: "bar", data: chart.satisfaction }
    ]
  });
  if (trend && trend.months.length) {
    var line = echarts.init(document.getElementById("chart-trend"));
    line.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["响应率", "解决率", "满意率"] },
      xAxis: { type: "category", data: trend.months },
      yAxis: { type: "value", max: 100, name: "%" },
      series: [
        { name: "响应率", type: "line", data: trend.response },
        { name: "解决率", type: "line", data: trend.resolution },
        { name: "满意率", type: "line", data: trend.satisfaction }
      ]
    });
  }
  window.addEventListener("resize", function () { ranking.resize(); });
})();
