/* Published layers as toggleable map overlays, with a legend.
 *
 *   LayerOverlays.attach(map, {catalogueUrl: "/api/layers/", language: "fa"})
 *
 * Small layers are drawn as GeoJSON fetched for the visible bbox from OGC API
 * Features; big ones as vector tiles (Leaflet.VectorGrid). Styles come from each
 * layer's style settings. Every name, value and attribute reaches the page through
 * textContent: layer data may hold markup and must show as text. The overlay panel
 * is our own control (Leaflet's layers control writes names with innerHTML).
 * Needs portal-common.js.
 */
(function () {
  "use strict";
  var _ = window.gettext || function (s) { return s; };
  var MAX_PAGES = 5;

  var el = PortalCommon.el;
  var digits = PortalCommon.digits;
  var getJSON = PortalCommon.getJSON;

  function safeColor(value, fallback) {
    return /^#[0-9a-fA-F]{3,8}$/.test(String(value || "")) ? value : fallback;
  }

  function number(value, fallback, min, max) {
    var n = Number(value);
    if (!isFinite(n)) return fallback;
    return Math.min(max, Math.max(min, n));
  }

  /* Leaflet path options from the layer's style settings (and a feature's category). */
  function pathStyle(style, properties) {
    style = style || {};
    var fill = safeColor(style.fill_color, "#4caf50");
    var categories = style.categories || {};
    if (style.category_property && properties && categories[properties[style.category_property]]) {
      fill = safeColor(categories[properties[style.category_property]], fill);
    }
    var options = {
      color: safeColor(style.color, "#2b7a3d"),
      weight: number(style.weight, 2, 0, 12),
      fillColor: fill,
      fillOpacity: number(style.fill_opacity, 0.3, 0, 1),
      opacity: number(style.opacity, 1, 0, 1),
      radius: number(style.radius, 6, 1, 30),
      fill: true
    };
    if (style.dash_array && /^[0-9 ,.]+$/.test(style.dash_array)) options.dashArray = style.dash_array;
    return options;
  }

  /* A popup body: the layer's name and a definition list of the feature's properties. */
  function popupContent(layer, properties, language) {
    var box = el("div", { className: "overlay-popup", dir: language === "fa" ? "rtl" : "ltr" });
    box.appendChild(el("strong", {}, layer.name));
    var dl = el("dl", { className: "facts" });
    Object.keys(properties || {}).forEach(function (key) {
      var value = properties[key];
      if (value === null || value === undefined || value === "") return;
      if (typeof value === "object") value = Array.isArray(value) ? value.join("، ") : JSON.stringify(value);
      dl.appendChild(el("dt", { dir: "ltr" }, key));
      dl.appendChild(el("dd", {}, typeof value === "number" ? digits(value, language) : value));
    });
    box.appendChild(dl);
    return box;
  }

  function bboxParam(map) {
    var b = map.getBounds();
    function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)).toFixed(6); }
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(",");
  }

  /* A GeoJSON overlay reloaded for the visible area. */
  function geoJsonOverlay(map, layer, cfg, onLoad) {
    var group = L.geoJSON(null, {
      pane: layer.pane,
      style: function (feature) {
        var options = pathStyle(layer.style, feature.properties);
        options.className = "overlay-" + layer.slug;
        return options;
      },
      pointToLayer: function (feature, latlng) {
        var options = pathStyle(layer.style, feature.properties);
        options.className = "overlay-" + layer.slug;
        options.pane = layer.pane;
        return L.circleMarker(latlng, options);
      },
      onEachFeature: function (feature, path) {
        // The click also reaches the map (the district/parcel lookup still runs): an
        // overlay covering the whole city must not block finding one's property.
        path.on("click", function (event) {
          L.popup().setLatLng(event.latlng).setContent(popupContent(layer, feature.properties, cfg.language)).openOn(map);
        });
      }
    });
    var generation = 0;
    function load() {
      if (!map.hasLayer(group)) return;
      var mine = ++generation;
      var url = layer.items_url + "?" + new URLSearchParams({ f: "json", limit: "1000", bbox: bboxParam(map) });
      var features = [];
      function page(next, count) {
        return getJSON(next).then(function (response) {
          if (mine !== generation || !response.ok) return;
          features = features.concat(response.body.features || []);
          var more = (response.body.links || []).filter(function (link) { return link.rel === "next"; })[0];
          if (more && count < MAX_PAGES) return page(more.href, count + 1);
          group.clearLayers();
          group.addData({ type: "FeatureCollection", features: features });
          onLoad(features.length);
        });
      }
      return page(url, 1);
    }
    map.on("moveend", load);
    group.on("add", load);
    return group;
  }

  /* A vector-tile overlay (Leaflet.VectorGrid), for big layers. */
  function tileOverlay(map, layer, cfg, onLoad) {
    var styles = {};
    styles[layer.slug] = function (properties) {
      var options = pathStyle(layer.style, properties);
      options.fill = true;
      return options;
    };
    var grid = L.vectorGrid.protobuf(layer.tiles_url, {
      pane: layer.pane,
      vectorTileLayerStyles: styles,
      interactive: true,
      minZoom: layer.min_zoom,
      maxNativeZoom: layer.max_zoom,
      maxZoom: 20,
      getFeatureId: function (feature) { return feature.properties.fid; }
    });
    grid.on("click", function (event) {
      L.popup().setLatLng(event.latlng).setContent(popupContent(layer, event.layer.properties, cfg.language)).openOn(map);
    });
    grid.on("load", function () { onLoad(null); });
    return grid;
  }

  function swatch(style) {
    var options = pathStyle(style);
    var box = el("span", { className: "overlay-swatch", "aria-hidden": "true" });
    box.style.display = "inline-block";
    box.style.width = "1.1em";
    box.style.height = "0.8em";
    box.style.border = "2px " + (options.dashArray ? "dashed " : "solid ") + options.color;
    box.style.background = options.fillColor;
    box.style.opacity = String(Math.max(0.35, options.fillOpacity));
    box.style.marginInlineEnd = "0.35em";
    return box;
  }

  /* The overlay panel: one checkbox per layer, its swatch and its legend. */
  var OverlayPanel = L.Control.extend({
    options: { position: "topright" },
    initialize: function (overlays, cfg) {
      this.overlays = overlays;
      this.cfg = cfg;
    },
    onAdd: function (map) {
      var self = this;
      var box = el("div", { className: "leaflet-control layer-overlays", id: "layer-overlays" });
      box.style.background = "#fff";
      box.style.padding = "0.4em 0.6em";
      box.style.maxWidth = "17em";
      box.style.maxHeight = "50vh";
      box.style.overflowY = "auto";
      var fieldset = el("fieldset");
      fieldset.style.border = "0";
      fieldset.style.margin = "0";
      fieldset.style.padding = "0";
      fieldset.appendChild(el("legend", {}, this.cfg.title || _("Map layers")));
      this.overlays.forEach(function (overlay) {
        var layer = overlay.layer;
        var row = el("div", { className: "overlay-row", "data-slug": layer.slug });
        row.style.margin = "0.2em 0";
        var id = "overlay-" + layer.slug;
        var input = el("input", { type: "checkbox", id: id, "data-slug": layer.slug });
        input.style.width = "auto";
        input.style.margin = "0";
        var label = el("label", { "for": id });
        label.style.display = "flex";
        label.style.alignItems = "center";
        label.style.gap = "0.4em";
        label.style.margin = "0";
        label.style.fontWeight = "normal";
        label.style.cursor = "pointer";
        label.appendChild(input);
        label.appendChild(swatch(layer.style));
        label.appendChild(document.createTextNode(layer.name));
        input.addEventListener("change", function () {
          if (input.checked) overlay.leaflet.addTo(map);
          else { overlay.leaflet.remove(); input.removeAttribute("data-loaded"); }
        });
        overlay.input = input;
        row.appendChild(label);
        var categories = (layer.style || {}).categories || {};
        var keys = Object.keys(categories);
        if (keys.length) {
          var legend = el("ul", { className: "overlay-legend" });
          legend.style.margin = "0.1em 0";
          legend.style.paddingInlineStart = "2.2em";
          legend.style.listStyle = "none";
          keys.forEach(function (key) {
            var item = el("li");
            item.appendChild(swatch({ color: categories[key], fill_color: categories[key], fill_opacity: 0.6 }));
            var labels = ((layer.style || {}).category_labels || {})[key] || {};
            item.appendChild(document.createTextNode(labels[self.cfg.language] || key));
            legend.appendChild(item);
          });
          row.appendChild(legend);
        }
        fieldset.appendChild(row);
      });
      box.appendChild(fieldset);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      self.container = box;
      return box;
    }
  });

  var PANE_ORDER = { zoning: 1, reference: 2, green_space: 3, routing_override: 4 };

  /* Each overlay gets its own pane, so zoning stays under parks whatever the toggle order. */
  function paneFor(map, layer, index) {
    var name = "overlay-pane-" + layer.slug;
    if (!map.getPane(name)) {
      var pane = map.createPane(name);
      pane.style.zIndex = String(410 + 10 * (PANE_ORDER[layer.purpose] || 2) + Math.min(index, 9));
    }
    return name;
  }

  function attach(map, cfg) {
    cfg = cfg || {};
    cfg.language = cfg.language || document.documentElement.lang || "fa";
    return getJSON(cfg.catalogueUrl || "/api/layers/").then(function (response) {
      if (!response.ok || !Array.isArray(response.body)) return [];
      var overlays = response.body.map(function (layer, index) {
        var overlay = { layer: layer };
        layer.pane = paneFor(map, layer, index);
        function loaded(count) {
          if (overlay.input) {
            overlay.input.setAttribute("data-loaded", "true");
            if (count !== null) overlay.input.setAttribute("data-features", String(count));
          }
        }
        var useTiles = layer.render === "tiles" && L.vectorGrid;
        overlay.leaflet = useTiles ? tileOverlay(map, layer, cfg, loaded) : geoJsonOverlay(map, layer, cfg, loaded);
        return overlay;
      });
      if (overlays.length) new OverlayPanel(overlays, cfg).addTo(map);
      map.getContainer().setAttribute("data-overlays", "ready");
      return overlays;
    });
  }

  window.LayerOverlays = { attach: attach, pathStyle: pathStyle, popupContent: popupContent };
})();
