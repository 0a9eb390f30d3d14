/* Helpers every page script of the portal shares (loaded before them):
 *
 *   PortalCommon.el(tag, attrs, text)    an element; text only through textContent
 *   PortalCommon.digits(value, language) Latin digits as Persian ones on Persian pages
 *   PortalCommon.latinDigits(text)       Persian digits back to Latin ones
 *   PortalCommon.getJSON(url)            fetch → {ok, status, body}
 *   PortalCommon.interpolate(format, values)  "%s" placeholders (Django's, if loaded)
 *   PortalCommon.parcelOutline(map, url, options)  a parcel's GeoJSON, outlined
 *
 * Every piece of data reaches the page through textContent (never innerHTML):
 * addresses, names and attributes may hold markup. */
(function () {
  "use strict";
  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* `language` defaults to the page's (<html lang>). */
  function digits(value, language) {
    var text = String(value);
    if ((language || document.documentElement.lang) !== "fa") return text;
    return text.replace(/[0-9]/g, function (d) { return PERSIAN_DIGITS[d]; });
  }

  function latinDigits(text) {
    return String(text).replace(/[۰-۹]/g, function (d) { return PERSIAN_DIGITS.indexOf(d); });
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
      });
  }

  function interpolate(format, values) {
    if (window.interpolate) return window.interpolate(format, values);
    var i = 0;
    return format.replace(/%s/g, function () { return values[i++]; });
  }

  /* The parcel's outline from its GeoJSON at `url` (null when it is not found);
   * `options` are added to the Leaflet layer options (e.g. interactive: false). */
  function parcelOutline(map, url, options) {
    return getJSON(url).then(function (response) {
      if (!response.ok) return null;
      var layerOptions = {
        style: { color: "#e8710a", weight: 3, fillOpacity: 0.25 },
        className: "parcel-outline"
      };
      Object.keys(options || {}).forEach(function (key) { layerOptions[key] = options[key]; });
      return L.geoJSON(response.body, layerOptions).addTo(map);
    });
  }

  window.PortalCommon = {
    el: el,
    digits: digits,
    latinDigits: latinDigits,
    getJSON: getJSON,
    interpolate: interpolate,
    parcelOutline: parcelOutline
  };
})();
