// The export progress page: asks every two seconds whether the PDF is ready, then reloads the page
// (which then offers the file). Without JavaScript the "Check now" link does the same by hand.
(function () {
  "use strict";
  var region = document.querySelector("[data-export-status-url]");
  if (!region || region.getAttribute("data-export-state") !== "rendering") {
    return;
  }
  var url = region.getAttribute("data-export-status-url");
  function check() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status && data.status !== "rendering") {
          window.location.reload();
        } else {
          window.setTimeout(check, 2000);
        }
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  window.setTimeout(check, 2000);
})();
