"""The map's JavaScript runtime (``plannerSync``, ``plannerStatic``), for :mod:`planner.app.maps_js`.

It builds each layer from its JSON description: GeoJSON features, HTML markers (grouped
into numbered circles by zoom when a layer has many, so that a city's facilities do not
pile on each other), rings, and images drawn on the server (:mod:`planner.app.maps_raster`).
"""

RUNTIME = r"""
(function () {
  if (window.plannerSync) { return; }
  var ORDER = '_plannerOrder';

  function state(map) {
    if (!map._planner) {
      var control = L.control.layers(null, null, {
        collapsed: true, position: 'topright', sortLayers: true,
        sortFunction: function (a, b) { return a[ORDER] - b[ORDER]; }
      }).addTo(map);
      L.control.scale({imperial: false, metric: true}).addTo(map);
      var st = map._planner = {control: control, layers: {}, statics: {}, legend: null, legendKey: null,
                               tiles: null, tilesKey: null, notice: null, fitKey: null, syncing: false};
      // a layer switched on in the control goes back to its place in the stack
      map.on('overlayadd', function () { if (!st.syncing) { restack(map); } });
    }
    return map._planner;
  }

  function collection(d) {
    var keys = Object.keys(d.properties);
    return {type: 'FeatureCollection', features: d.geometries.map(function (g, i) {
      var p = {};
      keys.forEach(function (k) { p[k] = d.properties[k][i]; });
      return {type: 'Feature', geometry: g, properties: p};
    })};
  }

  function geojson(s) {
    var base = s.style || {}, byProp = s.styleProps || {}, hi = s.highlight, tip = s.tooltip;
    var layer = L.geoJSON(collection(s.data), {
      interactive: s.interactive !== false,
      style: function (f) {
        var out = Object.assign({}, base);
        for (var k in byProp) {
          var v = f.properties[byProp[k]];
          if (v !== null && v !== undefined) { out[k] = v; }
        }
        return out;
      },
      onEachFeature: function (f, l) {
        if (tip && f.properties[tip]) { l.bindTooltip(f.properties[tip], {sticky: true}); }
        if (hi) {
          l.on('mouseover', function () { l.setStyle(hi); });
          l.on('mouseout', function () { layer.resetStyle(l); });
        }
      }
    });
    return layer;
  }

  function marker(m) {
      var icon = L.divIcon({html: m.html, className: '', iconSize: [m.size, m.size],
                            iconAnchor: [m.size / 2, m.size / 2]});
      var mk = L.marker([m.lat, m.lng], {icon: icon, riseOnHover: true});
      if (m.tip) { mk.bindTooltip(m.tip); }
      if (m.popup) { mk.bindPopup(m.popup, {maxWidth: 330}); }
      // the map hears the click too, at the marker's own position (opening a popup stops it
      // otherwise): the app learns which facility was clicked, on any layer, shown at any time
      mk.on('click', function () { if (mk._map) { mk._map.fire('click', {latlng: mk.getLatLng()}); } });
      return mk;
  }

  // many markers: those closer than CLUSTER_PX on screen are drawn as one numbered circle,
  // regrouped at every zoom; a click on a circle zooms to its markers
  var CLUSTER_PX = 34;
  var Clustered = L.FeatureGroup.extend({
    initialize: function (markers) { L.FeatureGroup.prototype.initialize.call(this); this._all = markers; },
    onAdd: function (map) {
      L.FeatureGroup.prototype.onAdd.call(this, map);
      map.on('zoomend', this._regroup, this);
      this._regroup();
    },
    onRemove: function (map) {
      map.off('zoomend', this._regroup, this);
      L.FeatureGroup.prototype.onRemove.call(this, map);
    },
    _regroup: function () {
      var map = this._map, cells = {}, self = this;
      if (!map) { return; }
      this.clearLayers();
      var z = map.getZoom();
      this._all.forEach(function (mk) {
        var p = map.project(mk.getLatLng(), z), key = Math.floor(p.x / CLUSTER_PX) + ':' + Math.floor(p.y / CLUSTER_PX);
        (cells[key] = cells[key] || []).push(mk);
      });
      Object.keys(cells).forEach(function (key) {
        var group = cells[key];
        if (group.length === 1) { self.addLayer(group[0]); return; }
        var bounds = L.latLngBounds(group.map(function (mk) { return mk.getLatLng(); }));
        var size = group.length < 10 ? 24 : (group.length < 100 ? 30 : 36);
        var icon = L.divIcon({html: '<div class="planner-cluster" style="width:' + size + 'px;height:' + size
          + 'px;line-height:' + size + 'px">' + group.length + '</div>', className: '',
          iconSize: [size, size], iconAnchor: [size / 2, size / 2]});
        var c = L.marker(bounds.getCenter(), {icon: icon});
        c.on('click', function () { map.fitBounds(bounds.pad(0.3), {maxZoom: z + 3}); });
        self.addLayer(c);
      });
    }
  });

  function build(s) {
    var group = L.featureGroup();
    if (s.geojson) { geojson(s.geojson).addTo(group); }
    if (s.image) {
      var img = L.imageOverlay(s.image.url, s.image.bounds, {opacity: s.image.opacity, interactive: false,
                                                             className: s.image.pixelated ? 'planner-pixelated' : ''});
      img.addTo(group);
    }
    var markers = (s.markers || []).map(marker);
    if (s.cluster && markers.length > s.cluster) { group.addLayer(new Clustered(markers)); }
    else { markers.forEach(function (mk) { mk.addTo(group); }); }
    (s.rings || []).forEach(function (r) {
      L.circleMarker([r.lat, r.lng], Object.assign({interactive: false}, r.style)).addTo(group);
    });
    return group;
  }

  function restack(map) {
    var st = map._planner;
    Object.keys(st.layers).map(function (id) { return st.layers[id].layer; })
      .sort(function (a, b) { return a[ORDER] - b[ORDER]; })
      .forEach(function (layer) { if (map.hasLayer(layer)) { layer.bringToFront(); } });
  }

  function drop(map, st, entry) {
    map.removeLayer(entry.layer);
    st.control.removeLayer(entry.layer);
  }

  function legend(map, st, spec) {
    var key = spec ? spec.title + '\n' + spec.html : null;
    if (key === st.legendKey) { return; }
    st.legendKey = key;
    if (!spec) {
      if (st.legend) { st.legend.remove(); st.legend = null; }
      return;
    }
    if (!st.legend) {
      st.legend = L.control({position: 'bottomleft'});
      st.legend.onAdd = function () {
        var div = L.DomUtil.create('div', 'planner-legend');
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      };
      st.legend.addTo(map);
    }
    var div = st.legend.getContainer(), was = div.querySelector('details');
    var open = was ? was.open : true;  // a folded legend stays folded
    div.innerHTML = '<details' + (open ? ' open' : '') + '><summary><b>' + spec.title + '</b></summary>'
      + spec.html + '</details>';
  }

  function tiles(map, st, spec) {
    var key = spec ? spec.url + '\n' + spec.error : null;
    if (key === st.tilesKey) { return; }
    st.tilesKey = key;
    if (st.tiles) { map.removeLayer(st.tiles); st.tiles = null; }
    if (st.notice) { st.notice.remove(); st.notice = null; }
    if (!spec) { return; }
    var notice = st.notice = L.control({position: 'topleft'});
    notice.onAdd = function () {
      var div = L.DomUtil.create('div', 'planner-notice');
      div.innerHTML = spec.error;
      return div;
    };
    notice.addTo(map);
    st.tiles = L.tileLayer(spec.url, {attribution: spec.attribution, maxZoom: spec.maxZoom});
    st.tiles.on('tileerror', function () { notice.getContainer().style.display = 'block'; });
    st.tiles.addTo(map);
  }

  function fit(map, st, spec) {
    if (!spec || spec.key === st.fitKey) { return; }
    var first = st.fitKey === null;
    st.fitKey = spec.key;
    map.fitBounds(spec.bounds, {paddingTopLeft: spec.paddingTopLeft, paddingBottomRight: spec.paddingBottomRight,
                                animate: !first});
  }

  window.plannerStatic = function (map, id, s) {
    state(map).statics[id] = build(s);
  };

  window.plannerSync = function (map, spec) {
    var st = state(map), seen = {}, added = false;
    st.syncing = true;
    spec.layers.forEach(function (s, i) {
      seen[s.id] = true;
      var cur = st.layers[s.id];
      if (cur && cur.hash === s.hash) {
        cur.layer[ORDER] = i;
        if (s.control && cur.name !== s.name) {
          st.control.removeLayer(cur.layer);
          st.control.addOverlay(cur.layer, s.name);
          cur.name = s.name;
        }
        if (cur.show !== s.show) {
          if (s.show) { map.addLayer(cur.layer); added = true; } else { map.removeLayer(cur.layer); }
          cur.show = s.show;
        }
        return;
      }
      var visible = s.show;
      if (cur) {
        if (cur.show === s.show) { visible = map.hasLayer(cur.layer); }
        drop(map, st, cur);
      }
      var layer = s.static ? st.statics[s.id] : build(s);
      if (!layer) { return; }
      layer[ORDER] = i;
      if (visible) { map.addLayer(layer); added = true; }
      if (s.control) { st.control.addOverlay(layer, s.name); }
      st.layers[s.id] = {hash: s.hash, layer: layer, name: s.name, show: s.show};
    });
    Object.keys(st.layers).forEach(function (id) {
      if (!seen[id]) { drop(map, st, st.layers[id]); delete st.layers[id]; }
    });
    st.syncing = false;
    if (added) { restack(map); }
    legend(map, st, spec.legend);
    tiles(map, st, spec.tiles);
    fit(map, st, spec.fit);
  };
})();
"""
