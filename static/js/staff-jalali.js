/* A small Jalali (Persian calendar) date picker for inputs with class "jalali-date".
 * The input keeps working as plain text (YYYY/MM/DD, Persian or Latin digits); the
 * picker only fills it. Conversion: the jalaali-js arithmetic (Borkowski's breaks). */
(function () {
  "use strict";
  var MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];
  var WEEKDAYS = ["ش", "ی", "د", "س", "چ", "پ", "ج"];
  var BREAKS = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097,
    2192, 2262, 2324, 2394, 2456, 3178];

  function div(a, b) { return ~~(a / b); }
  function mod(a, b) { return a - ~~(a / b) * b; }

  function jalCal(jy) {
    var gy = jy + 621, leapJ = -14, jp = BREAKS[0], jm, jump = 0, n, i;
    for (i = 1; i < BREAKS.length; i += 1) {
      jm = BREAKS[i]; jump = jm - jp;
      if (jy < jm) break;
      leapJ = leapJ + div(jump, 33) * 8 + div(mod(jump, 33), 4);
      jp = jm;
    }
    n = jy - jp;
    leapJ = leapJ + div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
    if (mod(jump, 33) === 4 && jump - n === 4) leapJ += 1;
    var leapG = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
    var march = 20 + leapJ - leapG;
    if (jump - n < 6) n = n - jump + div(jump + 4, 33) * 33;
    var leap = mod(mod(n + 1, 33) - 1, 4);
    if (leap === -1) leap = 4;
    return { leap: leap, gy: gy, march: march };
  }
  function g2d(gy, gm, gd) {
    var d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * mod(gm + 9, 12) + 2, 5) + gd - 34840408;
    return d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
  }
  function d2g(jdn) {
    var j = 4 * jdn + 139361631;
    j = j + div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
    var i = div(mod(j, 1461), 4) * 5 + 308;
    var gd = div(mod(i, 153), 5) + 1, gm = mod(div(i, 153), 12) + 1;
    return { gy: div(j, 1461) - 100100 + div(8 - gm, 6), gm: gm, gd: gd };
  }
  function j2d(jy, jm, jd) {
    var r = jalCal(jy);
    return g2d(r.gy, 3, r.march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
  }
  function d2j(jdn) {
    var gy = d2g(jdn).gy, jy = gy - 621, r = jalCal(jy), k = jdn - g2d(gy, 3, r.march);
    if (k >= 0) {
      if (k <= 185) return { jy: jy, jm: 1 + div(k, 31), jd: mod(k, 31) + 1 };
      k -= 186;
    } else {
      jy -= 1; k += 179;
      if (r.leap === 1) k += 1;
    }
    return { jy: jy, jm: 7 + div(k, 30), jd: mod(k, 30) + 1 };
  }
  function monthLength(jy, jm) {
    if (jm <= 6) return 31;
    if (jm <= 11) return 30;
    return jalCal(jy).leap === 0 ? 30 : 29;
  }
  function fa(n, width) {
    var text = String(n);
    while (text.length < (width || 0)) text = "0" + text;
    return PortalCommon.digits(text, "fa");
  }
  var latin = PortalCommon.latinDigits;
  function today() {
    var now = new Date();
    return d2j(g2d(now.getFullYear(), now.getMonth() + 1, now.getDate()));
  }
  function parse(text) {
    var m = /^(\d{4})[\/-](\d{1,2})[\/-](\d{1,2})$/.exec(latin(text).trim());
    if (!m || +m[1] > 1700 || +m[2] < 1 || +m[2] > 12) return null;
    return { jy: +m[1], jm: +m[2], jd: +m[3] };
  }

  function Picker(input) {
    var self = this;
    this.input = input;
    this.box = PortalCommon.el("div", { className: "jalali-picker", role: "dialog", "aria-label": input.labels && input.labels[0] ? input.labels[0].textContent : "" });
    this.box.hidden = true;
    input.insertAdjacentElement("afterend", this.box);
    input.setAttribute("autocomplete", "off");
    input.addEventListener("focus", function () { self.open(); });
    input.addEventListener("keydown", function (event) { if (event.key === "Escape") self.close(); });
    document.addEventListener("click", function (event) {
      if (event.target !== input && !self.box.contains(event.target)) self.close();
    });
  }
  Picker.prototype.open = function () {
    var start = parse(this.input.value) || today();
    this.show(start.jy, start.jm);
    this.box.hidden = false;
  };
  Picker.prototype.close = function () { this.box.hidden = true; };
  Picker.prototype.show = function (jy, jm) {
    var self = this, el = PortalCommon.el, now = today();
    this.box.replaceChildren();
    var head = el("div", { className: "jalali-head" });
    var prev = el("button", { type: "button", className: "secondary", "data-step": "-1", "aria-label": "ماه قبل" }, "›");
    var next = el("button", { type: "button", className: "secondary", "data-step": "1", "aria-label": "ماه بعد" }, "‹");
    prev.addEventListener("click", function () { self.show(jm === 1 ? jy - 1 : jy, jm === 1 ? 12 : jm - 1); });
    next.addEventListener("click", function () { self.show(jm === 12 ? jy + 1 : jy, jm === 12 ? 1 : jm + 1); });
    head.appendChild(prev);
    head.appendChild(el("span", { className: "jalali-title", "aria-live": "polite" }, MONTHS[jm - 1] + " " + fa(jy)));
    head.appendChild(next);
    this.box.appendChild(head);
    var grid = el("div", { className: "jalali-grid", role: "grid" });
    WEEKDAYS.forEach(function (name) { grid.appendChild(el("span", { className: "jalali-weekday" }, name)); });
    var offset = mod(j2d(jy, jm, 1) + 2, 7);  // Saturday first
    for (var blank = 0; blank < offset; blank += 1) grid.appendChild(el("span"));
    for (var day = 1; day <= monthLength(jy, jm); day += 1) {
      var value = fa(jy) + "/" + fa(jm, 2) + "/" + fa(day, 2);
      var button = el("button", { type: "button", className: "jalali-day", "data-value": value }, fa(day));
      if (jy === now.jy && jm === now.jm && day === now.jd) button.setAttribute("data-today", "true");
      button.addEventListener("click", function (event) {
        self.input.value = event.currentTarget.getAttribute("data-value");
        self.close();
        self.input.focus();
        self.box.hidden = true;
      });
      grid.appendChild(button);
    }
    this.box.appendChild(grid);
  };

  document.querySelectorAll("input.jalali-date").forEach(function (input) { new Picker(input); });
  window.JalaliPicker = { toJalali: d2j, toJdn: j2d, fromJdn: d2g, g2d: g2d };
})();
