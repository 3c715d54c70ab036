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
