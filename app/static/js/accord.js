/* On every page:
   - after a failed submit, move the focus to the error summary, so that keyboard and screen-reader
     users start from the list of problems (each links to its field), as on GOV.UK;
   - give each cell of a data table its column's name (data-label), which the stylesheet shows above
     the cell on narrow screens, where the table's rows are stacked and its header row is hidden. */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) { event.preventDefault(); field.focus(); }
      });
    });
  }
})();

(function () {
  "use strict";
  document.querySelectorAll("table.table").forEach(function (table) {
    var names = [];
    table.querySelectorAll("thead tr:last-child th").forEach(function (th) {
      for (var i = 0; i < (th.colSpan || 1); i += 1) { names.push(th.textContent.trim()); }
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var name = names[column];
        if (name && cell.tagName === "TD" && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", name); }
        column += cell.colSpan || 1;
      });
    });
  });
})();

/* Signing out clears the section drafts this browser kept (drafts.js): on a shared public-sector
   laptop, the next person must not be offered someone else's unsaved words. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-clears-drafts]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        var store = window.localStorage;
        for (var i = store.length - 1; i >= 0; i -= 1) {
          var key = store.key(i);
          if (key && key.indexOf("accord-draft-") === 0) { store.removeItem(key); }
        }
      } catch (e) { /* no storage: nothing was kept */ }
    });
  });
})();
