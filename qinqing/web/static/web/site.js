// The side navigation collapses behind the 菜单 button on narrow screens.
(function () {
  "use strict";
  var button = document.querySelector("[data-menu-toggle]");
  var nav = document.getElementById("sidenav");
  if (!button || !nav) return;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("nav-open", open);
    if (open) {
      var first = nav.querySelector("a");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
      button.setAttribute("aria-expanded", "false");
      document.body.classList.remove("nav-open");
      button.focus();
    }
  });
})();

// On phones a table reads as a stack of cards: each cell is labelled with its column header
// (site.css shows the label above the value below 760 px; wider screens keep the table).
(function () {
  "use strict";
  var tables = document.querySelectorAll("main table");
  Array.prototype.forEach.call(tables, function (table) {
    if (table.classList.contains("no-reflow")) return;
    var head = table.querySelector("thead tr");
    if (!head) return;
    var labels = Array.prototype.map.call(head.children, function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      var col = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (labels[col] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[col]);
        col += cell.colSpan || 1;
      });
    });
    table.classList.add("reflow");
  });
})();

// A long list of checkboxes (data-filterable) gets a search box that narrows it as one types.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-filterable]"), function (list) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.setAttribute("aria-label", "筛选" + list.getAttribute("data-filterable"));
    box.placeholder = "输入名称筛选";
    list.parentNode.insertBefore(box, list);
    var items = list.querySelectorAll("label");
    box.addEventListener("input", function () {
      var q = box.value.trim();
      Array.prototype.forEach.call(items, function (label) {
        var row = label.parentNode === list ? label : label.parentNode;
        var checked = label.querySelector("input").checked;
        row.hidden = q !== "" && !checked && label.textContent.indexOf(q) === -1;
      });
    });
  });
})();

// A button marked data-print prints the page (no inline handlers: the CSP forbids them).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
