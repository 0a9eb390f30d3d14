/* GIS Portal map behaviour (the home page's lookup and search, and the map pieces the
 * other pages share). Every piece of data reaches the page through textContent (never
 * innerHTML): addresses, names and attributes may hold markup. Needs portal-common.js. */
(function () {
  "use strict";
  var _ = window.gettext || function (s) { return s; };
  var el = PortalCommon.el;
  var digits = PortalCommon.digits;
  var getJSON = PortalCommon.getJSON;
  var interpolate = PortalCommon.interpolate;

  function districtName(district, language) {
    return language === "fa" ? district.name_fa : district.name_en;
  }

  function drawDistricts(map, url, language) {
    return getJSON(url).then(function (result) {
      /* Outlines only: not interactive, so no tooltips either. A bound tooltip adds
       * focus listeners, which makes every SVG path (even off-screen ones) a Tab stop
       * with no visible focus; the lookup panel names the district instead. */
      return L.geoJSON(result.body, {
        style: { color: "#1d5c8f", weight: 2, fillOpacity: 0.06 },
        interactive: false
      }).addTo(map);
    });
  }

  /* Right-to-left pages mirror the map's control corners (zoom and overlays swap
   * sides, the scale moves to the right) through the .map-mirrored rules in
   * portal.css; the zoom buttons get names in the page's language. */
  function mirrorControls(map) {
    var container = map.getContainer();
    if (document.documentElement.dir === "rtl") container.classList.add("map-mirrored");
    [["leaflet-control-zoom-in", _("Zoom in")], ["leaflet-control-zoom-out", _("Zoom out")]].forEach(function (pair) {
      var button = container.querySelector("." + pair[0]);
      if (!button) return;
      button.setAttribute("title", pair[1]);
      button.setAttribute("aria-label", pair[1]);
    });
  }

  function definitionList(rows, language) {
    var dl = el("dl", { className: "facts" });
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      dl.appendChild(el("dt", {}, row[0]));
      dl.appendChild(el("dd", {}, digits(row[1], language)));
    });
    return dl;
  }

  /* The side panel after a lookup: district, parcel facts, the way to file. */
  function renderLookup(container, data, point, cfg) {
    container.replaceChildren();
    if (!data.inside_city) {
      container.appendChild(el("p", { className: "error", role: "alert" }, data.detail));
      return;
    }
    var title = el("h2", { className: "district-name" }, districtName(data.district, cfg.language));
    container.appendChild(title);
    if (data.snapped_m !== null && data.snapped_m !== undefined) {
      container.appendChild(el("p", { className: "hint" },
        interpolate(_("Just outside the boundary (%s m); assigned to the nearest district."), [digits(Math.round(data.snapped_m), cfg.language)])));
    }
    if (data.parcel) {
      var p = data.parcel;
      container.appendChild(el("h3", {}, _("Parcel")));
      container.appendChild(definitionList([
        [_("Renovation code"), p.code],
        [_("Area (m²)"), p.area_m2],
        [_("Land use"), p.land_use_label],
        [_("Address"), p.address],
        [_("Postal code"), p.postal_code]
      ], cfg.language));
    } else {
      container.appendChild(el("p", { className: "hint" }, _("No parcel at this point.")));
    }
    if (cfg.fileUrl) {
      var params = new URLSearchParams({ lat: point.lat.toFixed(6), lon: point.lng.toFixed(6) });
      var link = el("a", { className: "button", href: cfg.fileUrl + "?" + params.toString() }, _("File a request here"));
      container.appendChild(link);
    }
  }

  function PortalHome(map, cfg) {
    this.map = map;
    this.cfg = cfg;
    this.result = document.getElementById("lookup-result");
    this.marker = null;
    this.parcelLayer = null;
    var self = this;
    map.getContainer().setAttribute("role", "application");
    map.getContainer().setAttribute("aria-label", _("City map: click a point to find its district and parcel"));
    mirrorControls(map);
    drawDistricts(map, cfg.districtsUrl, cfg.language).then(function (layer) {
      self.districts = layer;
      map.getContainer().dataset.ready = "true";
    });
    map.on("click", function (event) { self.lookup(event.latlng); });
    var form = document.getElementById("parcel-search");
    if (form) form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.search(document.getElementById("parcel-q").value);
    });
  }

  PortalHome.prototype.lookup = function (latlng) {
    var self = this;
    if (this.marker) this.marker.remove();
    this.marker = L.circleMarker(latlng, { radius: 7, color: "#b3261e", weight: 3 }).addTo(this.map);
    var url = this.cfg.lookupUrl + "?" + new URLSearchParams({ lat: latlng.lat.toFixed(7), lon: latlng.lng.toFixed(7) });
    self.result.setAttribute("aria-busy", "true");
    return getJSON(url).then(function (response) {
      self.result.removeAttribute("aria-busy");
      if (!response.ok) {
        self.result.replaceChildren(el("p", { className: "error", role: "alert" }, response.body.detail || _("Something went wrong.")));
        return;
      }
      renderLookup(self.result, response.body, latlng, self.cfg);
      self.outline(response.body.parcel ? response.body.parcel.code : null);
      self.result.dispatchEvent(new CustomEvent("portal:lookup", { detail: response.body, bubbles: true }));
    });
  };

  PortalHome.prototype.outline = function (code, zoom) {
    var self = this;
    if (this.parcelLayer) { this.parcelLayer.remove(); this.parcelLayer = null; }
    if (!code) return Promise.resolve(null);
    var url = this.cfg.parcelUrl.replace("CODE", encodeURIComponent(code));
    return PortalCommon.parcelOutline(this.map, url).then(function (layer) {
      if (!layer) return null;
      self.parcelLayer = layer;
      if (zoom) self.map.fitBounds(layer.getBounds(), { maxZoom: 18 });
      return layer;
    });
  };

  PortalHome.prototype.search = function (text) {
    var self = this;
    var box = document.getElementById("search-results");
    box.replaceChildren(el("p", { className: "hint" }, _("Searching…")));
    return getJSON(this.cfg.searchUrl + "?" + new URLSearchParams({ q: text })).then(function (response) {
      box.replaceChildren();
      if (!response.ok) {
        box.appendChild(el("p", { className: "error", role: "alert" }, response.body.detail));
        return;
      }
      var results = response.body.results;
      if (!results.length) {
        box.appendChild(el("p", { className: "hint" }, _("No parcel found.")));
        return;
      }
      box.appendChild(el("p", { className: "hint" }, interpolate(_("%s parcels found."), [digits(response.body.count, self.cfg.language)])));
      var list = el("ul", { className: "search-results" });
      results.forEach(function (parcel) {
        var item = el("li");
        var button = el("button", { type: "button", className: "result", "data-code": parcel.code });
        button.appendChild(el("span", { className: "code", dir: "ltr" }, parcel.code));
        button.appendChild(el("span", { className: "address" }, parcel.address));
        button.addEventListener("click", function () { self.choose(parcel.code); });
        item.appendChild(button);
        list.appendChild(item);
      });
      box.appendChild(list);
      if (results.length === 1) self.choose(results[0].code);
    });
  };

  /* Choose a parcel from search: zoom to it and run the lookup at a point inside it. */
  PortalHome.prototype.choose = function (code) {
    var self = this;
    return this.outline(code, true).then(function (layer) {
      if (!layer) return;
      var centre = layer.getBounds().getCenter();
      return self.lookup(centre);
    });
  };

  window.PortalMap = {
    el: el,
    digits: digits,
    getJSON: getJSON,
    drawDistricts: drawDistricts,
    mirrorControls: mirrorControls,
    definitionList: definitionList,
    initHome: function (map, cfg) { window.portalHome = new PortalHome(map, cfg); return window.portalHome; }
  };
})();
