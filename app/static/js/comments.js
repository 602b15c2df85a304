/* Comment on the words you select.
   Selecting words in a section's text shows a "Comment on the selected words" button beside it; the
   button puts the words in the comment form's quote field, and which of their occurrences in the
   section you selected (counted as on the page) in a hidden field, so the server anchors the
   comment on exactly those words. Without JavaScript the form still works: type or paste the
   words, or leave them out to comment on the whole section. */
(function () {
  "use strict";
  var captured = {};  // section id -> {quote, occurrence}

  function sectionBodyOf(node) {
    while (node && node !== document.body) {
      if (node.nodeType === 1 && node.classList.contains("section-body")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  function sectionIdOf(body) {
    var section = body.closest(".doc-section");
    var form = section && section.querySelector(".comment-form[data-section]");
    return form ? form.getAttribute("data-section") : null;
  }

  function buttonFor(id) {
    return document.querySelector('.comment-on-selection[data-section="' + id + '"]');
  }

  function hideButtons(except) {
    document.querySelectorAll(".comment-on-selection").forEach(function (button) {
      if (button.getAttribute("data-section") !== except) { button.hidden = true; }
    });
  }

  function capture() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { hideButtons(null); return; }
    var range = selection.getRangeAt(0);
    var body = sectionBodyOf(range.startContainer);
    if (!body || body !== sectionBodyOf(range.endContainer)) { hideButtons(null); return; }
    var id = sectionIdOf(body);
    if (!id) { return; }
    var raw = range.toString();
    var quote = raw.trim();
    if (!quote) { hideButtons(null); return; }
    var before = document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    var start = before.toString().length + (raw.length - raw.replace(/^\s+/, "").length);
    var text = body.textContent;
    var occurrence = 0;
    var at = text.indexOf(quote);
    while (at !== -1 && at < start) { occurrence += 1; at = text.indexOf(quote, at + 1); }
    captured[id] = {quote: quote, occurrence: occurrence};
    hideButtons(id);
    var button = buttonFor(id);
    if (button) {
      var shown = quote.length > 40 ? quote.slice(0, 37) + "…" : quote;
      // Its words in the page's language, from the template: data-msg-comment-on="Comment on “%s”".
      var words = button.dataset.msgCommentOn || "Comment on “%s”";
      button.textContent = words.replace("%s", function () { return shown; });
      button.hidden = false;
    }
  }

  document.addEventListener("mouseup", function () { window.setTimeout(capture, 0); });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") { capture(); }
  });

  document.querySelectorAll(".comment-on-selection").forEach(function (button) {
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the selection
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-section");
      var data = captured[id];
      var form = document.querySelector('.comment-form[data-section="' + id + '"]');
      if (!data || !form) { return; }
      form.querySelector('input[name="quote"]').value = data.quote;
      form.querySelector('input[name="occurrence"]').value = String(data.occurrence);
      var details = form.closest("details");
      if (details) { details.open = true; }
      form.querySelector("textarea").focus();
    });
  });

  // A quote typed by hand is found by its words alone.
  document.querySelectorAll('.comment-form input[name="quote"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var occurrence = input.form.querySelector('input[name="occurrence"]');
      if (occurrence) { occurrence.value = ""; }
    });
  });

  // A link to a comment inside a folded thread list or reply opens it.
  function reveal() {
    if (!window.location.hash) { return; }
    var target = document.getElementById(window.location.hash.slice(1));
    var node = target;
    while (node) {
      if (node.tagName === "DETAILS") { node.open = true; }
      node = node.parentElement;
    }
    if (target) { target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
