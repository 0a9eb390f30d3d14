/* Maps of the filing and tracking pages. Data reaches the page only through
 * textContent (PortalCommon.el): names, codes and zoning notes may hold markup. */
(function () {
  "use strict";
  var _ = window.gettext || function (s) { return s; };

  function outlineParcel(map, cfg) {
    if (!cfg.parcel) return Promise.resolve(null);
    var url = cfg.parcelUrl.replace("CODE", encodeURIComponent(cfg.parcel));
    return PortalCommon.parcelOutline(map, url, { interactive: false });
  }

  function zoningPrecheck(cfg) {
    var box = document.getElementById("zoning-precheck");
    var floors = document.getElementById("id_attr_floors");
    var use = document.getElementById("id_attr_intended_use");
    if (!box || !cfg.point || !cfg.zoningUrl) return;
    function check() {
      var params = { lat: cfg.point[0].toFixed(7), lon: cfg.point[1].toFixed(7) };
      if (use && use.value) params.use = use.value;
      var floorsValue = floors ? PortalCommon.latinDigits(floors.value).trim() : "";
      if (/^\d{1,3}$/.test(floorsValue)) params.floors = floorsValue;
      PortalCommon.getJSON(cfg.zoningUrl + "?" + new URLSearchParams(params)).then(function (response) {
        box.replaceChildren();
        box.className = "zoning";
        if (!response.ok) { box.textContent = response.body.detail || ""; return; }
        var data = response.body;
        if (data.zone === null) {
          box.textContent = _("No zoning rule is published for this place yet; planners will check your application.");
          return;
        }
        box.classList.add(data.allowed ? "zoning-ok" : "zoning-warning");
        box.appendChild(PortalCommon.el("strong", {}, data.allowed ? _("Within zoning:") : _("Outside zoning:")));
        box.appendChild(document.createTextNode(" " + (data.zone_name || data.zone) + " — " + (data.explanation || "")));
        if (!data.allowed) {
          box.appendChild(PortalCommon.el("span", { className: "hint" }, " " + _("You can still file; planners will review it.")));
        }
      });
    }
    [floors, use].forEach(function (input) { if (input) input.addEventListener("change", check); });
    check();
  }

  function init(map, cfg) {
    var container = map.getContainer();
    container.setAttribute("role", "application");
    container.setAttribute("aria-label", cfg.pickUrl
      ? _("Map: click a point to choose the place of your request")
      : _("Map of the request's place"));
    PortalMap.mirrorControls(map);
    var ready = [PortalMap.drawDistricts(map, cfg.districtsUrl, cfg.language)];
    if (cfg.point) {
      L.circleMarker(cfg.point, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6 }).addTo(map);
      ready.push(outlineParcel(map, cfg));
    }
    if (cfg.pickUrl) {
      map.on("click", function (event) {
        var params = new URLSearchParams({ lat: event.latlng.lat.toFixed(7), lon: event.latlng.lng.toFixed(7) });
        window.location.assign(cfg.pickUrl + "?" + params.toString());
      });
    }
    Promise.all(ready).then(function () { container.dataset.ready = "true"; });
    zoningPrecheck(cfg);
    window.permitsMap = map;
    return map;
  }

  window.PermitsMap = { init: init };
})();
