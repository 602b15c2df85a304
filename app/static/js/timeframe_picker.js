/* Timeframe pickers: beside a text field that takes "2027-03-15" or "2027-Q1" (input[data-timeframe]),
   a calendar (an input of type date) and a year + quarter choice, which write into the field. The text
   field stays what is sent and what the server checks; typing in it still works and moves the pickers.
   Without JavaScript, the field alone is there. Words come translated in the field's data attributes. */
(function () {
  "use strict";
  var QUARTER = /^\s*(\d{4})\s*-?\s*Q([1-4])\s*$/i;
  var DAY = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/;

  function make(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function labelled(id, text, control) {
    var wrapper = make("span", { "class": "timeframe-picker-part" });
    wrapper.appendChild(make("label", { "for": id }, text));
    wrapper.appendChild(control);
    return wrapper;
  }

  function addYear(select, year) {
    var options = Array.prototype.slice.call(select.options, 1);
    if (options.some(function (o) { return o.value === year; })) { return; }
    var option = make("option", { value: year }, year);
    var before = options.filter(function (o) { return o.value > year; })[0] || null;
    select.insertBefore(option, before);
  }

  function enhance(field) {
    var data = field.dataset;
    var base = field.id + "-pick";
    var box = make("fieldset", { "class": "timeframe-picker" });
    box.appendChild(make("legend", {}, data.pickLegend));

    var day = make("input", { type: "date", id: base + "-day", min: "2000-01-01", max: "2100-12-31" });
    var year = make("select", { id: base + "-year" });
    var quarter = make("select", { id: base + "-quarter" });
    [year, quarter].forEach(function (select) { select.appendChild(make("option", { value: "" }, data.noneLabel)); });
    var now = new Date().getFullYear();
    for (var y = now - 3; y <= now + 12; y += 1) { year.appendChild(make("option", { value: String(y) }, String(y))); }
    (data.quarterNames || "Q1,Q2,Q3,Q4").split(",").forEach(function (name, index) {
      quarter.appendChild(make("option", { value: String(index + 1) }, name.trim()));
    });

    box.appendChild(labelled(day.id, data.dayLabel, day));
    box.appendChild(labelled(year.id, data.yearLabel, year));
    box.appendChild(labelled(quarter.id, data.quarterLabel, quarter));
    field.insertAdjacentElement("afterend", box);

    function fromField() {
      var text = field.value, match;
      if ((match = QUARTER.exec(text))) {
        addYear(year, match[1]);
        year.value = match[1];
        quarter.value = match[2];
        day.value = "";
      } else if (DAY.test(text)) {
        day.value = text.trim();
        year.value = "";
        quarter.value = "";
      } else {
        day.value = "";
        year.value = "";
        quarter.value = "";
      }
    }

    day.addEventListener("change", function () {
      if (day.value) {
        field.value = day.value;
        year.value = "";
        quarter.value = "";
      }
    });
    function fromQuarter() {
      if (year.value && quarter.value) {
        field.value = year.value + "-Q" + quarter.value;
        day.value = "";
      }
    }
    year.addEventListener("change", fromQuarter);
    quarter.addEventListener("change", fromQuarter);
    field.addEventListener("input", fromField);
    fromField();
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-timeframe]"), enhance);
}());
