/* On every page: after a failed submit, move the focus to the error summary, so that keyboard and
   screen-reader users start from the list of problems (each links to its field), as on GOV.UK. */
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
