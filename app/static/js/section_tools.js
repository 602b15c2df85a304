/* The document page: each section's tools sit in one disclosure (<details>, usable without this script).
   Here: only one menu open at a time, Escape or a click elsewhere closes it (Escape gives the focus back to
   its button), and the confirmation of a save just made, placed under the saved section's heading, takes
   the focus so that a screen reader reads it where the person landed. */
(function () {
  "use strict";
  var menus = document.querySelectorAll("details.section-menu");

  function closeAll(except) {
    menus.forEach(function (menu) { if (menu !== except) { menu.open = false; } });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) { closeAll(menu); } });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
        event.preventDefault();
      }
    });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details.section-menu")) { closeAll(null); }
  });

  var notice = document.getElementById("save-notice");
  if (notice) {
    // After the page has gone to the section's #anchor (which takes the focus away from any element).
    var show = function () {
      var section = notice.closest("section");
      (section || notice).scrollIntoView({block: "start"});
      notice.focus({preventScroll: true});
    };
    if (document.readyState === "complete") {
      setTimeout(show, 0);
    } else {
      window.addEventListener("load", function () { setTimeout(show, 0); });
    }
  }
})();
