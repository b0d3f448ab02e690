// The header menu on a phone: a button opens and closes it. Without this script the
// menu is simply shown as a list (the CSS keys on the "js" class set here).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    tables();
    menu();
  });

  // Every table scrolls inside its own box, never the page. The box is focusable (and
  // named after the table's caption) only while it actually scrolls, so a keyboard can
  // scroll it too. Cells of a stacking table (.data-table--stack) get their column's
  // name as data-label when the template did not give one.
  function tables() {
    var boxes = [];
    document.querySelectorAll(".site-main table").forEach(function (table) {
      if (table.parentElement.classList.contains("table-scroll")) {
        boxes.push(table.parentElement);
      } else {
        var box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
        boxes.push(box);
      }
      if (table.classList.contains("data-table--stack")) label(table);
    });
    function update() {
      boxes.forEach(function (box) {
        var table = box.querySelector("table");
        if (box.scrollWidth > box.clientWidth + 1) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          var caption = table && table.caption ? table.caption.textContent.trim() : "";
          var fallback = document.documentElement.lang.indexOf("ja") === 0 ? "表" : "Table";
          box.setAttribute("aria-label", caption || fallback);
        } else {
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      });
    }
    update();
    window.addEventListener("resize", update);
  }

  function label(table) {
    var heads = table.querySelectorAll("thead tr:last-child th, thead tr:last-child td");
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (!cell.hasAttribute("data-label") && heads[index]) {
          cell.setAttribute("data-label", heads[index].textContent.trim());
        }
      });
    });
  }

  function menu() {
    var button = document.querySelector(".site-menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("site-nav--open", open);
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }
})();
