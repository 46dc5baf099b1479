// The app's map element (ui/map_element.py): draws a Folium map in the page itself, without
// streamlit-folium's iframe and bundle, and reports clicks and (on request) the view.
//
// data: {div_id, script, signature, overlay, js, css, height, report_view, report_drawn, failed, edit}
//   script    Folium's JavaScript for the map; `div_id` is both the div it draws into and
//             the script's variable for the map.
//   signature The script without Folium's random names: an equal signature keeps the map
//             (and the user's pan and zoom) as it is.
//   overlay   JavaScript of one feature group, run with the map bound to its variable; it
//             returns the layer, which replaces the previous overlay (null: none).
//   js, css   Vendored Leaflet files (/app/static/vendor/...), loaded once per page, in order.
// State: clicked {lat, lng, at} after each click; view {bounds: {_southWest, _northEast}, zoom}
// after each pan or zoom, when report_view is set; drawn (true) once the map has painted (or
// failed to load), when report_drawn is set: the page then draws what it held back.
// edit (optional): the draft's parcels drawn editable with Leaflet-Geoman (ui/map_draw.js, whose
// functions are loaded before this file).

const loads = (window.__geoMapLoads = window.__geoMapLoads || new Map());

function load(url) {
  if (!loads.has(url)) {
    loads.set(url, new Promise((resolve, reject) => {
      const css = url.endsWith(".css");
      const el = document.createElement(css ? "link" : "script");
      if (css) {
        el.rel = "stylesheet";
        el.href = url;
      } else {
        el.src = url;
        el.async = false; // scripts run in the order they were added: Leaflet before its plugins
      }
      el.onload = () => resolve();
      el.onerror = () => {
        loads.delete(url);
        reject(new Error(url));
      };
      document.head.appendChild(el);
    }));
  }
  return loads.get(url);
}

function viewOf(map) {
  const b = map.getBounds();
  return {
    bounds: {
      _southWest: { lat: b.getSouth(), lng: b.getWest() },
      _northEast: { lat: b.getNorth(), lng: b.getEast() },
    },
    zoom: map.getZoom(),
  };
}

function draw(host, st, data) {
  if (st.map) st.map.remove();
  st.edit = null; // a new map: its drawing tools are set up anew
  host.replaceChildren();
  const div = document.createElement("div");
  div.id = data.div_id;
  div.style.width = "100%";
  div.style.height = "100%";
  host.appendChild(div);
  const map = new Function(`${data.script}\nreturn ${data.div_id};`)();
  // A click is sent as state with a stamp (the server remembers the last stamp it acted on):
  // a page reads it before drawing the map (ui/map_element.reported), and the findings map
  // keeps its selection while the user pans.
  map.on("click", (e) => st.send("clicked", { lat: e.latlng.lat, lng: e.latlng.lng, at: Date.now() }));
  if (data.report_view) map.on("moveend", () => st.send("view", viewOf(map)));
  st.map = map;
  st.signature = data.signature;
  st.overlay = null;
  st.overlayScript = null;
  host.geoMap = map; // for the browser tests and the benchmark
}

function swapOverlay(st, data) {
  if (st.overlayScript === data.overlay) return;
  if (st.overlay) st.map.removeLayer(st.overlay);
  // The overlay's script names the map by this run's div id: bind that name to the live map.
  st.overlay = data.overlay ? new Function(data.div_id, data.overlay)(st.map) : null;
  st.overlayScript = data.overlay;
}

// After the next frame has been painted: the report's rerun must not hold up the map's own paint.
function reportDrawn(st, data) {
  if (!data.report_drawn || st.drawnSent) return;
  st.drawnSent = true;
  requestAnimationFrame(() => setTimeout(() => st.send("drawn", true), 0));
}

export default function ({ parentElement, data, setStateValue }) {
  let host = parentElement.querySelector(":scope > .geo-map");
  if (!host) {
    host = document.createElement("div");
    host.className = "geo-map";
    host.style.width = "100%";
    host.style.position = "relative";
    parentElement.appendChild(host);
    // Streamlit settles its columns after the map is drawn: Leaflet must learn its new size
    // (keeping its centre), or clicks and tiles land off by the difference.
    new ResizeObserver(() => host.geoMap && host.geoMap.invalidateSize({ pan: true, animate: false })).observe(host);
  }
  host.style.height = `${data.height}px`;
  host.dataset.mapFirst = data.report_drawn ? "1" : ""; // the page's rest is still to come (browser tests wait)
  const st = host.__geo || (host.__geo = { token: 0 });
  const token = ++st.token;
  st.send = setStateValue; // each render gets its own setter: the map's handlers call the latest
  Promise.all([...data.css, ...data.js].map(load))
    .then(() => {
      if (token !== st.token) return; // a newer render arrived while the files loaded
      if (st.signature !== data.signature) draw(host, st, data);
      swapOverlay(st, data);
      if (data.edit) setupEdit(st, data);
      else teardownEdit(st);
      host.dataset.drawn = data.signature;
      reportDrawn(st, data);
    })
    .catch((err) => {
      host.textContent = `${data.failed} (${err.message})`;
      reportDrawn(st, data);
    });
  return () => {
    if (st.map) st.map.remove();
  };
}
