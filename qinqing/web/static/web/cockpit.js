// 领导驾驶舱: one ECharts chart per table; clicking a bar or point opens the records behind it.
(function () {
  "use strict";
  var el = document.getElementById("cockpit-data");
  if (!window.echarts || !el) { return; }
  var charts = JSON.parse(el.textContent);
  var made = [];
  charts.forEach(function (c) {
    var box = document.getElementById("chart-" + c.key);
    if (!box || !c.labels.length) { return; }
    var line = c.key === "appeals_trend";
    var chart = echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: c.series.map(function (s) { return s.name; }), top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: line ? 30 : 90 },
      xAxis: { type: "category", data: c.labels, axisLabel: { rotate: line ? 0 : 35, interval: 0,
        formatter: function (v) { return v.length > 8 ? v.slice(0, 8) + "…" : v; } } },
      yAxis: { type: "value" },
      series: c.series.map(function (s) {
        return { name: s.name, type: line ? "line" : "bar", data: s.data, connectNulls: false };
      })
    });
    chart.on("click", function (params) {
      var url = c.urls[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    made.push(chart);
  });
  window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
})();
