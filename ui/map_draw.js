// Drawing on the app's map element (ui/map_element.py, `edit`): Leaflet-Geoman's tools on the
// draft's parcels, the area in mu while drawing, and the draft reported to the page.
//
// edit: {stamp, features, can_edit, lang, words, flagged}
//   features  GeoJSON FeatureCollection of the draft's parcels (EPSG:4326); each feature's
//             properties carry parcel_id, project_id, name, declared_mu.
//   stamp     Changes when the page changed the parcels itself (a version loaded, a shape
//             attached to a project): the drawn layer is then rebuilt from `features`. While it
//             stays the same, the user's own edits stay on the map as they are.
//   words     {area, declared, diff, mu, none}: the area box's words in the page's language.
//   flagged   parcel_ids with findings (drawn red).
// State sent: draft {features, stamp, at} after every change (draw, reshape, move, cut, delete);
// picked {parcel_id, at} when a parcel is clicked; split {line: [[lng, lat], ...], stamp, at} when a
// line is drawn across parcels (the page splits them: Geoman's free edition has no split).
//
// Areas are ellipsoidal on the CGCS2000 ellipsoid by Karney's algorithm (geographiclib, the
// same as pyproj.Geod behind geo/area.py), so the mu shown here is the mu the engine computes.

const MU_M2 = 10000 / 15;
const CGCS2000 = { a: 6378137, f: 1 / 298.257222101 };

function ringArea(geod, ring) {
  if (!ring || ring.length < 3) return 0;
  const poly = geod.Polygon(false);
  ring.forEach((p) => poly.AddPoint(p.lat, p.lng));
  return Math.abs(poly.Compute(false, true).area);
}

// Area in m² of Leaflet latlngs: a ring, [outer, holes...], or [[outer, holes...], ...].
function areaM2(geod, latlngs) {
  if (!latlngs || !latlngs.length) return 0;
  if (latlngs[0] && latlngs[0].lat !== undefined) return ringArea(geod, latlngs);
  if (latlngs[0][0] && latlngs[0][0].lat !== undefined) {
    return latlngs.reduce((sum, ring, i) => sum + (i === 0 ? 1 : -1) * ringArea(geod, ring), 0);
  }
  return latlngs.reduce((sum, part) => sum + areaM2(geod, part), 0);
}

function newParcelId() {
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  return "D-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function styleOf(props, flagged) {
  const attached = !!(props.project_id || props.name);
  return {
    color: flagged.has(props.parcel_id) ? "#c0392b" : attached ? "#1f6f8b" : "#e67e22",
    weight: flagged.has(props.parcel_id) ? 3 : 2,
    dashArray: attached ? null : "6 4",
    fillOpacity: 0.25,
  };
}

function areaBox(map, words) {
  const box = L.control({ position: "bottomleft" });
  box.onAdd = () => {
    const div = L.DomUtil.create("div", "geo-draw-area leaflet-bar");
    div.style.cssText = "background:#fff;padding:4px 8px;font-size:13px;min-width:12em";
    div.textContent = words.none;
    return div;
  };
  box.addTo(map);
  return box.getContainer();
}

function showArea(ed, props, latlngs) {
  const mu = areaM2(ed.geod, latlngs) / MU_M2;
  const w = ed.words;
  let text = `${w.area} ${mu.toFixed(2)} ${w.mu}`;
  const declared = props && props.declared_mu;
  if (declared !== null && declared !== undefined && declared !== "") {
    const d = Number(declared);
    text += ` · ${w.declared} ${d.toFixed(2)} ${w.mu} · ${w.diff} ${(mu - d >= 0 ? "+" : "")}${(mu - d).toFixed(2)} ${w.mu}`;
  }
  ed.box.textContent = text;
  ed.box.dataset.mu = mu.toFixed(4);
}

function report(st) {
  const ed = st.edit;
  const features = [];
  ed.group.eachLayer((layer) => {
    if (!st.map.hasLayer(layer)) return; // removed by the user
    const f = layer.toGeoJSON(15);
    f.properties = Object.assign({}, layer.feature ? layer.feature.properties : {});
    features.push(f);
  });
  st.send("draft", { features: { type: "FeatureCollection", features }, stamp: ed.stamp, at: Date.now() });
}

function watch(st, layer) {
  const ed = st.edit;
  const props = () => (layer.feature ? layer.feature.properties : {});
  layer.on("click", () => {
    showArea(ed, props(), layer.getLatLngs());
    st.send("picked", { parcel_id: props().parcel_id, at: Date.now() });
  });
  layer.on("pm:markerdrag pm:vertexadded pm:vertexremoved", () => showArea(ed, props(), layer.getLatLngs()));
  layer.on("pm:edit pm:dragend", () => {
    showArea(ed, props(), layer.getLatLngs());
    report(st);
  });
  const p = props();
  layer.bindTooltip(`${p.name || p.parcel_id}`, { sticky: true });
}

function fill(st, data) {
  const ed = st.edit;
  ed.group.clearLayers();
  const flagged = new Set(data.edit.flagged || []);
  L.geoJSON(data.edit.features, {
    pmIgnore: !data.edit.can_edit,
    style: (f) => styleOf(f.properties || {}, flagged),
  }).eachLayer((layer) => {
    ed.group.addLayer(layer);
    watch(st, layer);
  });
  ed.stamp = data.edit.stamp;
  ed.flaggedKey = JSON.stringify(data.edit.flagged || []);
}

// The plan's own shapes (spatial units, parcels) are never edited but are snapped to.
function snapToPlan(map, group) {
  map.eachLayer((l) => {
    if (l instanceof L.Polyline && !group.hasLayer(l) && l.options.snapIgnore === undefined) {
      l.options.snapIgnore = false;
    }
  });
}

// The same parcels with other findings (the page's checks arrive after the map on a session's first visit).
function restyle(st, data) {
  const key = JSON.stringify(data.edit.flagged || []);
  if (st.edit.flaggedKey === key) return;
  st.edit.flaggedKey = key;
  const flagged = new Set(data.edit.flagged || []);
  st.edit.group.eachLayer((l) => l.setStyle && l.setStyle(styleOf(l.feature ? l.feature.properties : {}, flagged)));
}

function setupEdit(st, data) {
  const map = st.map;
  if (!st.edit) {
    const words = data.edit.words;
    L.PM.setOptIn(true); // only the draft's layers are editable, never the plan's overlay
    // A map made after opt-in was switched on has no tools of its own (Geoman's init hook skips it).
    if (!map.pm) map.pm = new L.PM.Map(map);
    const ed = (st.edit = {
      geod: new geodesic.Geodesic.Geodesic(CGCS2000.a, CGCS2000.f),
      group: L.featureGroup().addTo(map),
      box: areaBox(map, words),
      words,
      stamp: null,
    });
    if (data.edit.can_edit) {
      map.pm.setLang(data.edit.lang === "zh" ? "zh" : "en");
      map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false,
                                layerGroup: ed.group, pmIgnore: false });
      map.pm.addControls({
        position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
        drawCircle: false, drawText: false, rotateMode: false, drawRectangle: true, drawPolygon: true,
        editMode: true, dragMode: true, cutPolygon: true, removalMode: true,
      });
      map.on("pm:drawstart", ({ workingLayer }) => {
        workingLayer.on("pm:vertexadded", () => showArea(ed, null, workingLayer.getLatLngs()));
      });
      map.on("pm:create", ({ layer, shape }) => {
        if (shape === "Line") { // a split line: sent to the page, never kept as a parcel
          const line = layer.getLatLngs().map((p) => [p.lng, p.lat]);
          ed.group.removeLayer(layer);
          map.removeLayer(layer);
          st.send("split", { line, stamp: ed.stamp, at: Date.now() });
          return;
        }
        layer.feature = { type: "Feature", properties: { parcel_id: newParcelId(), project_id: null, name: "",
                                                         declared_mu: null } };
        layer.setStyle(styleOf(layer.feature.properties, new Set()));
        watch(st, layer);
        showArea(ed, layer.feature.properties, layer.getLatLngs());
        report(st);
      });
      map.on("pm:cut", ({ layer, originalLayer }) => {
        layer.feature = originalLayer.feature;
        ed.group.removeLayer(originalLayer);
        if (!ed.group.hasLayer(layer)) ed.group.addLayer(layer);
        watch(st, layer);
        report(st);
      });
      map.on("pm:remove", ({ layer }) => {
        ed.group.removeLayer(layer);
        report(st);
      });
    }
  }
  if (st.edit.stamp !== data.edit.stamp) fill(st, data);
  else restyle(st, data);
  snapToPlan(map, st.edit.group);
}

function teardownEdit(st) {
  if (!st.edit) return;
  if (st.map && st.map.pm) st.map.pm.removeControls();
  st.edit = null;
}
