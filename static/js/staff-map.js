/* Maps of the planners' workspace: the queue (clusters or heat), one request, the
 * dashboard heat map. Text reaches the page only through textContent (PortalCommon.el). */
(function () {
  "use strict";

  var OVERDUE = "#a4161a";
  var NORMAL = "#0b5cad";

  function loadPoints(url) {
    return PortalCommon.getJSON(url).then(function (response) {
      if (!response.ok) throw new Error(response.body && response.body.detail || "points");
      return response.body.features || [];
    });
  }

  function latLng(feature) {
    var c = feature.geometry.coordinates;
    return L.latLng(c[1], c[0]);
  }

  function tooltip(code) {
    return PortalCommon.el("span", { dir: "ltr" }, code);
  }

  function openRequest(cfg, code) {
    window.location.assign(cfg.requestUrl.replace("CODE", encodeURIComponent(code)));
  }

  function prepare(map) {
    if (PortalMap.mirrorControls) PortalMap.mirrorControls(map);  // RTL corners, zoom names
    map.getContainer().setAttribute("role", "application");
  }

  function fit(map, latlngs) {
    if (latlngs.length) map.fitBounds(L.latLngBounds(latlngs), { maxZoom: 16, padding: [20, 20] });
  }

  function queue(map, cfg) {
    var container = map.getContainer();
    prepare(map);
    // Clustering needs a finite maximum zoom (a map without tile layers has none).
    if (!isFinite(map.getMaxZoom())) map.setMaxZoom(19);
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    var heat = null;
    var buttons = {
      clusters: document.getElementById("mode-clusters"),
      heat: document.getElementById("mode-heat")
    };
    function mode(name) {
      if (name === "heat") { map.removeLayer(clusters); if (heat) heat.addTo(map); }
      else { if (heat) map.removeLayer(heat); clusters.addTo(map); }
      Object.keys(buttons).forEach(function (key) {
        if (buttons[key]) buttons[key].setAttribute("aria-pressed", String(key === name));
      });
      container.dataset.mode = name;
    }
    Object.keys(buttons).forEach(function (key) {
      if (buttons[key]) buttons[key].addEventListener("click", function () { mode(key); });
    });
    var ready = [PortalMap.drawDistricts(map, cfg.districtsUrl, cfg.language)];
    ready.push(loadPoints(cfg.pointsUrl).then(function (features) {
      var latlngs = [];
      features.forEach(function (feature) {
        var props = feature.properties;
        var point = latLng(feature);
        latlngs.push(point);
        var marker = L.circleMarker(point, {
          radius: 7, weight: 2, color: props.overdue ? OVERDUE : NORMAL, fillOpacity: 0.7
        });
        marker.bindTooltip(tooltip(props.code));
        marker.on("click", function () { openRequest(cfg, props.code); });
        clusters.addLayer(marker);
      });
      heat = L.heatLayer(latlngs.map(function (p) { return [p.lat, p.lng, 0.6]; }), { radius: 22, blur: 18 });
      container.dataset.count = String(features.length);
      fit(map, latlngs);
      mode("clusters");
    }));
    Promise.all(ready).then(function () { container.dataset.ready = "true"; },
      function (error) { container.dataset.ready = "error"; if (window.console) console.error(error); });
    window.staffMap = { map: map, clusters: clusters, mode: mode };
    return map;
  }

  function request(map, cfg) {
    var container = map.getContainer();
    prepare(map);
    var ready = [PortalMap.drawDistricts(map, cfg.districtsUrl, cfg.language)];
    L.circleMarker(cfg.point, { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.6 }).addTo(map);
    (cfg.nearby || []).forEach(function (other) {
      var marker = L.circleMarker([other.lat, other.lon], { radius: 6, color: NORMAL, weight: 2, fillOpacity: 0.5 }).addTo(map);
      marker.bindTooltip(tooltip(other.code));
      marker.on("click", function () { openRequest(cfg, other.code); });
    });
    if (cfg.parcel) {
      var url = cfg.parcelUrl.replace("CODE", encodeURIComponent(cfg.parcel));
      ready.push(PortalCommon.parcelOutline(map, url, { interactive: false }));
    }
    Promise.all(ready).then(function () { container.dataset.ready = "true"; });
    return map;
  }

  function heat(map, cfg) {
    var container = map.getContainer();
    prepare(map);
    var ready = [PortalMap.drawDistricts(map, cfg.districtsUrl, cfg.language)];
    ready.push(loadPoints(cfg.pointsUrl).then(function (features) {
      var latlngs = features.map(latLng);
      L.heatLayer(latlngs.map(function (p) { return [p.lat, p.lng, 0.6]; }), { radius: 20, blur: 16 }).addTo(map);
      container.dataset.count = String(features.length);
      fit(map, latlngs);
    }));
    Promise.all(ready).then(function () { container.dataset.ready = "true"; },
      function () { container.dataset.ready = "error"; });
    return map;
  }

  window.StaffMap = { queue: queue, request: request, heat: heat };
})();
