/* The Markdown editor: EasyMDE (vendored, no CDN) on every textarea of a section form.
   Toolbar buttons carry text labels (no icon font to download); the preview is rendered by the
   server, so it is exactly what readers will see, sanitised the same way.

   Nobody gets stuck in it: Preview and Side by side are toggles that stay usable in every mode (the
   writing tools wait meanwhile), Alt+P goes from writing to the preview and back, side by side stays
   inside the page (Save and Cancel below it), and the toolbar is one Tab stop whose buttons the arrow
   keys walk (the WAI-ARIA toolbar pattern), each with a name and, for the toggles, aria-pressed. */
(function () {
  "use strict";
  if (typeof EasyMDE === "undefined") { return; }
  var textarea = document.querySelector(".section-form textarea");
  if (!textarea) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var previewTimer = null;
  var PREVIEW_KEYS = "Alt+P";
  var SIDE_KEYS = "F9";
  // The words people read come from the page, in their language (templates/documents/_editor_messages.html);
  // the English stays as the fallback. A message's {keys} is replaced by the key's shortcut.
  var messages = (document.getElementById("editor-messages") || {dataset: {}}).dataset;
  function msg(name, english) { return messages[name] || english; }

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
          return {message: (data && data.error && data.error.message) || msg("previewUnavailable", "Preview unavailable.")};
        }, function () { return {message: msg("previewUnavailable", "Preview unavailable.")}; });
      })
        .then(function (data) {
          if (data.message) {
            preview.textContent = "";
            var note = document.createElement("p");
            note.className = "preview-problem";
            note.setAttribute("role", "status");
            note.textContent = msg("previewProblem", "Preview unavailable: {message}").replace("{message}", data.message);
            preview.appendChild(note);
          } else {
            preview.innerHTML = data.html;
          }
        })
        .catch(function () { preview.textContent = msg("previewOffline", "Preview unavailable while offline."); });
    }, 250);
    if (preview.innerHTML) { return preview.innerHTML; }
    var rendering = document.createElement("p");
    rendering.textContent = msg("previewRendering", "Rendering preview…");
    return rendering.outerHTML;
  }

  var editor = null;
  function writing() {
    var wrapper = editor.codemirror.getWrapperElement();
    return !wrapper.querySelector(".editor-preview-active");
  }
  // A writing tool does nothing while the preview alone shows (the text it would change is hidden).
  function tool(action) {
    return function (mde) { if (writing()) { action(mde); } };
  }
  function button(name, action, text, label, extra) {
    var spec = {name: name, action: action, text: text, title: label, className: "mde-btn",
                attributes: {"aria-label": label}};
    if (extra) { Object.keys(extra).forEach(function (key) { spec[key] = extra[key]; }); }
    return spec;
  }

  function counter(className, name, english, count) {
    function show(el, text) { el.textContent = msg(name, english).replace("{num}", count(text)); }
    return {className: className,
            defaultValue: function (el) { show(el, textarea.value); },
            onUpdate: function (el) { show(el, editor ? editor.value() : textarea.value); }};
  }

  editor = new EasyMDE({
    element: textarea,
    autoDownloadFontAwesome: false,
    spellChecker: false,
    nativeSpellcheck: true,
    forceSync: true,
    // The counts in the reader's words (the vendored stylesheet's "lines:" and "words:" are English only).
    status: [counter("editor-lines", "lines", "lines: {num}", function (text) { return text.split("\n").length; }),
             counter("editor-words", "words", "words: {num}", function (text) {
               return (text.match(/[^\s]+/g) || []).length;
             })],
    minHeight: "16rem",
    previewRender: serverPreview,
    sideBySideFullscreen: false,  // side by side stays in the page, with Save and Cancel below it
    shortcuts: {togglePreview: null, toggleSideBySide: null, toggleFullScreen: null},  // Ctrl+P prints
    toolbar: [
      button("bold", tool(EasyMDE.toggleBold), "B", msg("bold", "Bold")),
      button("italic", tool(EasyMDE.toggleItalic), "I", msg("italic", "Italic")),
      button("heading", tool(EasyMDE.toggleHeadingSmaller), "H", msg("heading", "Heading level: make the line a heading, or a smaller one")),
      "|",
      button("unordered-list", tool(EasyMDE.toggleUnorderedList), "• " + msg("listShort", "List"), msg("bulleted", "Bulleted list")),
      button("ordered-list", tool(EasyMDE.toggleOrderedList), "1. " + msg("listShort", "List"), msg("numbered", "Numbered list")),
      button("quote", tool(EasyMDE.toggleBlockquote), "“ " + msg("quote", "Quote"), msg("quote", "Quote")),
      button("link", tool(EasyMDE.drawLink), msg("link", "Link"), msg("linkLabel", "Link: insert a link")),
      button("table", tool(EasyMDE.drawTable), msg("table", "Table"), msg("tableLabel", "Table: insert a table")),
      "|",
      button("preview", EasyMDE.togglePreview, msg("preview", "Preview"), msg("preview", "Preview"),
             {noDisable: true, attributes: {"aria-label": msg("preview", "Preview"), "aria-pressed": "false",
                                            "aria-keyshortcuts": PREVIEW_KEYS}}),
      button("side-by-side", EasyMDE.toggleSideBySide, msg("side", "Side by side"), msg("side", "Side by side"),
             {noDisable: true, attributes: {"aria-label": msg("side", "Side by side"), "aria-pressed": "false",
                                            "aria-keyshortcuts": SIDE_KEYS}})
    ]
  });
  var cm = editor.codemirror;
  var wrapper = cm.getWrapperElement();
  var container = wrapper.parentNode;
  var toolbar = container.querySelector(".editor-toolbar");
  var tools = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
  var previewButton = toolbar.querySelector("button.preview");
  var sideButton = toolbar.querySelector("button.side-by-side");

  // Label the editor's own text area for screen readers, after the original label.
  var label = document.querySelector('label[for="' + textarea.id + '"]');
  var cmInput = cm.getInputField();
  if (label && cmInput) {
    cmInput.setAttribute("aria-label", label.textContent.trim());
  }

  // Tab never traps the keyboard in the text: in a list item it indents (Shift+Tab outdents), as EasyMDE
  // does; anywhere else, or right after Escape, the browser moves on to the next field as everywhere else.
  // (Caught before CodeMirror's own handler, which would insert a tab.)
  var leaveOnTab = false;
  function inList() {
    return /^\s*([*+-]|\d+[.)])\s/.test(cm.getLine(cm.getCursor().line));
  }
  container.addEventListener("keydown", function (event) {
    if (event.target !== cm.getInputField()) { return; }
    if (event.key === "Escape") { leaveOnTab = true; return; }
    if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) { leaveOnTab = false; return; }
    if (leaveOnTab || !inList()) { event.stopPropagation(); }  // not CodeMirror's: the browser's Tab
    leaveOnTab = false;
  }, true);

  // The toolbar: one Tab stop, arrow keys, Home and End between its buttons.
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", msg("toolbar", "Formatting and preview"));
  toolbar.querySelectorAll(".separator").forEach(function (s) { s.setAttribute("aria-hidden", "true"); });
  var current = 0;
  function rove(index) {
    current = (index + tools.length) % tools.length;
    tools.forEach(function (b, i) { b.tabIndex = i === current ? 0 : -1; });
  }
  rove(0);
  toolbar.addEventListener("keydown", function (event) {
    var index = tools.indexOf(document.activeElement);
    if (index < 0) { return; }
    var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tools.length - 1}[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    rove(next);
    tools[current].focus();
  });
  toolbar.addEventListener("focusin", function (event) {
    var index = tools.indexOf(event.target);
    if (index >= 0) { rove(index); }
  });
  previewButton.title = msg("previewTitle", "Preview: show how it will look; press again to go back to writing ({keys})")
    .replace("{keys}", PREVIEW_KEYS);
  sideButton.title = msg("sideTitle", "Side by side: write with the preview beside the text; press again to close it ({keys})")
    .replace("{keys}", SIDE_KEYS);

  // What shows now: aria-pressed on the toggles, the writing tools marked unavailable during the
  // preview alone, and a preview pane the keyboard can reach and scroll.
  function panes() {
    return container.querySelectorAll(".editor-preview-full, .editor-preview-side");
  }
  function sync() {
    var full = !!wrapper.querySelector(".editor-preview-active");
    var side = !!container.querySelector(".editor-preview-active-side");
    previewButton.setAttribute("aria-pressed", full ? "true" : "false");
    sideButton.setAttribute("aria-pressed", side ? "true" : "false");
    tools.forEach(function (b) {
      if (b === previewButton || b === sideButton) { return; }
      if (full) { b.setAttribute("aria-disabled", "true"); } else { b.removeAttribute("aria-disabled"); }
    });
    panes().forEach(function (pane) {
      var shown = pane.classList.contains("editor-preview-active") ||
        pane.classList.contains("editor-preview-active-side");
      if (shown) {
        pane.setAttribute("tabindex", "0");
        pane.setAttribute("role", "region");
        pane.setAttribute("aria-label", msg("previewPane", "Preview of the text"));
      } else {
        pane.removeAttribute("tabindex");
        pane.removeAttribute("role");
        pane.removeAttribute("aria-label");
      }
    });
  }
  new MutationObserver(sync).observe(container, {subtree: true, attributes: true, attributeFilter: ["class"]});
  sync();

  // The keyboard way in and out: from the text, Alt+P shows the preview and puts the focus on it; from
  // the preview (or anywhere in the editor), Alt+P goes back to writing, the cursor where it was.
  function togglePreviewByKey() {
    var goingToPreview = writing();
    EasyMDE.togglePreview(editor);
    if (goingToPreview) {
      // EasyMDE shows the pane a moment later; show it now, so that it can take the focus at once.
      var pane = wrapper.querySelector(".editor-preview-full");
      if (pane) {
        pane.classList.add("editor-preview-active");
        sync();
        pane.focus();
      }
    } else {
      cm.focus();
    }
  }
  container.addEventListener("keydown", function (event) {
    var alone = event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (alone && event.code === "KeyP") {
      event.preventDefault();
      event.stopPropagation();
      togglePreviewByKey();
    } else if (event.key === "F9" && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      EasyMDE.toggleSideBySide(editor);
    }
  }, true);
  // Typing while the preview alone shows would change a hidden text: go back to writing instead, and say so.
  container.addEventListener("keydown", function (event) {
    if (writing() || event.target === previewButton || event.target === sideButton) { return; }
    if (event.key && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey &&
        wrapper.contains(event.target)) {
      event.preventDefault();
      togglePreviewByKey();
    }
  });

  // The conflict screen's "Edit from my text" and "Edit from their text": put that text in the editor.
  var texts = document.getElementById("conflict-texts");
  if (texts) {
    var data = JSON.parse(texts.textContent);
    var heading = document.querySelector('.section-form input[name="heading"]');
    var status = document.getElementById("conflict-status");
    document.querySelectorAll("[data-start-from]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var theirs = link.getAttribute("data-start-from") === "theirs";
        if (!writing()) { EasyMDE.togglePreview(editor); }
        editor.value(theirs ? data.theirs : data.mine);
        if (heading) { heading.value = theirs ? data.their_heading : data.my_heading; }
        if (status) {
          status.textContent = theirs ? msg("holdsTheirs", "The editor now holds their text. Edit it, then save the section.")
            : msg("holdsMine", "The editor now holds your text. Edit it, then save the section.");
        }
        wrapper.scrollIntoView({block: "center"});
        cm.focus();
        cm.setCursor(cm.lineCount(), 0);
      });
    });
  }

  window.accordEditor = editor;
  document.dispatchEvent(new CustomEvent("accord:editor-ready", {detail: editor}));
})();
