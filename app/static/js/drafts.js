/* Unsaved text is kept in this browser until the server confirms the save.
   Every keystroke in a section form is written to localStorage; a confirmed save (the
   document page with ?saved=<section id>) removes it. If the tab closes or the connection
   drops, the edit page offers the text back. */
(function () {
  "use strict";
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (!store) { return; }

  var saved = document.querySelector("[data-saved-section]");
  if (saved) {
    store.removeItem("accord-draft-section-" + saved.getAttribute("data-saved-section"));
  }

  var form = document.querySelector("form[data-draft-key]");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var textarea = form.querySelector("textarea");
  var heading = form.querySelector('input[name="heading"]');

  function currentText() {
    return window.accordEditor ? window.accordEditor.value() : textarea.value;
  }
  function setText(value) {
    if (window.accordEditor) { window.accordEditor.value(value); } else { textarea.value = value; }
  }
  function remember() {
    try {
      store.setItem(key, JSON.stringify({
        body: currentText(), heading: heading ? heading.value : null,
        base: form.getAttribute("data-base-revision"), at: new Date().toISOString()
      }));
    } catch (e) { /* storage full: nothing more we can do here */ }
  }

  var pending = null;
  try { pending = JSON.parse(store.getItem(key) || "null"); } catch (e) { pending = null; }
  var notice = document.getElementById("draft-notice");
  var conflictShown = !!document.querySelector(".conflict");
  if (pending && pending.body !== currentText() && notice && !conflictShown) {
    notice.hidden = false;
    document.getElementById("draft-restore").addEventListener("click", function () {
      setText(pending.body);
      if (heading && pending.heading) { heading.value = pending.heading; }
      notice.hidden = true;
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      store.removeItem(key);
      notice.hidden = true;
    });
  }

  textarea.addEventListener("input", remember);
  if (heading) { heading.addEventListener("input", remember); }
  function hook(editor) { editor.codemirror.on("change", remember); }
  if (window.accordEditor) { hook(window.accordEditor); }
  document.addEventListener("accord:editor-ready", function (e) { hook(e.detail); });
  form.addEventListener("submit", remember);
  if (conflictShown) { remember(); }
})();
