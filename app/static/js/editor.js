/* The Markdown editor: EasyMDE (vendored, no CDN) on every textarea of a section form.
   Toolbar buttons carry text labels (no icon font to download); the preview is rendered by the
   server, so it is exactly what readers will see, sanitised the same way. */
(function () {
  "use strict";
  if (typeof EasyMDE === "undefined") { return; }
  var textarea = document.querySelector(".section-form textarea");
  if (!textarea) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var previewTimer = null;

  function serverPreview(plainText, preview) {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      fetch("/api/v1/preview", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({body: plainText})
      }).then(function (r) {
        if (r.ok) { return r.json(); }
        // Say why (a text too complex to format, too many previews at once) as text, never as markup.
        return r.json().then(function (data) {
          return {message: (data && data.error && data.error.message) || "Preview unavailable."};
        }, function () { return {message: "Preview unavailable."}; });
      })
        .then(function (data) {
          if (data.message) {
            preview.textContent = "";
            var note = document.createElement("p");
            note.className = "preview-problem";
            note.setAttribute("role", "status");
            note.textContent = "Preview unavailable: " + data.message;
            preview.appendChild(note);
          } else {
            preview.innerHTML = data.html;
          }
        })
        .catch(function () { preview.textContent = "Preview unavailable while offline."; });
    }, 250);
    return preview.innerHTML || "<p>Rendering preview…</p>";
  }

  function button(name, action, text, title) {
    return {name: name, action: action, text: text, title: title, className: "mde-btn"};
  }

  var editor = new EasyMDE({
    element: textarea,
    autoDownloadFontAwesome: false,
    spellChecker: false,
    nativeSpellcheck: true,
    forceSync: true,
    status: ["lines", "words"],
    minHeight: "16rem",
    previewRender: serverPreview,
    toolbar: [
      button("bold", EasyMDE.toggleBold, "B", "Bold"),
      button("italic", EasyMDE.toggleItalic, "I", "Italic"),
      button("heading", EasyMDE.toggleHeadingSmaller, "H", "Heading"),
      "|",
      button("unordered-list", EasyMDE.toggleUnorderedList, "• List", "Bulleted list"),
      button("ordered-list", EasyMDE.toggleOrderedList, "1. List", "Numbered list"),
      button("quote", EasyMDE.toggleBlockquote, "“ Quote", "Quotation"),
      button("link", EasyMDE.drawLink, "Link", "Insert a link"),
      button("table", EasyMDE.drawTable, "Table", "Insert a table"),
      "|",
      button("preview", EasyMDE.togglePreview, "Preview", "Show how it will look"),
      button("side-by-side", EasyMDE.toggleSideBySide, "Side by side", "Write and preview side by side")
    ]
  });
  // Label the editor's own text area for screen readers, after the original label.
  var label = document.querySelector('label[for="' + textarea.id + '"]');
  var cmInput = editor.codemirror.getInputField();
  if (label && cmInput) {
    cmInput.setAttribute("aria-label", label.textContent.trim());
  }
  // While a preview shows (alone or side by side), a long text's scrolling region would be out of the
  // keyboard's reach: the region itself then takes the focus (and scrolls with the arrow keys); while
  // only writing, the text area is the one tab stop.
  var scroller = editor.codemirror.getScrollerElement();
  var container = editor.codemirror.getWrapperElement().parentNode;
  new MutationObserver(function () {
    var previewing = !!container.querySelector(".editor-preview-active, .editor-preview-active-side");
    if (previewing) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", "Preview");
    } else {
      scroller.removeAttribute("tabindex");
      scroller.removeAttribute("aria-label");
    }
    var toolbar = container.querySelector(".editor-toolbar");
    var writingToolsOff = !!(toolbar && toolbar.classList.contains("disabled-for-preview"));
    container.querySelectorAll(".editor-toolbar button:not(.no-disable)").forEach(function (tool) {
      if (writingToolsOff) { tool.setAttribute("aria-disabled", "true"); } else { tool.removeAttribute("aria-disabled"); }
    });
  }).observe(container, {subtree: true, attributes: true, attributeFilter: ["class"]});
  window.accordEditor = editor;
  document.dispatchEvent(new CustomEvent("accord:editor-ready", {detail: editor}));
})();
