// The map's view in the page's address, as MapLibre and OpenStreetMap write it:
// `#zoom/lat/lon`, or `#zoom/lat/lon/bearing/pitch` when the map is turned or tilted. MapLibre's
// own `hash: true` option reads it at start and rewrites it as the map moves; this module only
// turns the other forms a shared link may carry (Qala's earlier `#view=…`, OpenStreetMap's
// `#map=…`) into that one, so every link opens the view it names.

/** A view of the map: zoom, centre (degrees) and camera (bearing, pitch, degrees). */
export interface View { zoom: number; lat: number; lon: number; bearing: number; pitch: number }

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

/** The view of `zoom/lat/lon[/bearing[/pitch]]`, or null when it is not one (or an impossible one). */
function parsePath(path: string): View | null {
  const parts = path.split('/');
  if (parts.length < 3 || parts.length > 5 || !parts.every((p) => NUMBER.test(p))) return null;
  const [zoom, lat, lon, bearing = 0, pitch = 0] = parts.map(Number);
  const ok = zoom >= 0 && zoom <= 24 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
    && Math.abs(bearing) <= 180 && pitch >= 0 && pitch <= 85;
  return ok ? { zoom, lat, lon, bearing, pitch } : null;
}

/**
 * The view a location hash names: `#15/43.25/76.95`, `#15/43.25/76.95/30/45`, `#view=15/43.25/76.95`
 * or `#map=15/43.25/76.95` (the view may be followed or preceded by other `&`-separated parts).
 * Null when the hash names no view.
 */
export function parseHash(hash: string): View | null {
  const parts = hash.replace(/^#/, '').split('&');
  for (const [i, part] of parts.entries()) {
    const named = /^(view|map)=(.*)$/.exec(part);
    const view = named ? parsePath(decodeURIComponent(named[2])) : i === 0 ? parsePath(part) : null;
    if (view) return view;
  }
  return null;
}

/** The hash MapLibre writes for `view`: bearing only when turned or tilted, pitch only when tilted. */
export function formatHash(v: View): string {
  let hash = `#${v.zoom}/${v.lat}/${v.lon}`;
  if (v.bearing || v.pitch) hash += `/${v.bearing}`;
  if (v.pitch) hash += `/${v.pitch}`;
  return hash;
}

/**
 * The hash to put in the address instead of `hash` so that MapLibre reads the view it names:
 * the `#zoom/lat/lon` form of a `#view=` or `#map=` link; null when `hash` is already in that
 * form or names no view.
 */
export function canonicalHash(hash: string): string | null {
  const view = parseHash(hash);
  if (!view || parsePath(hash.replace(/^#/, '').split('&')[0])) return null;
  return formatHash(view);
}

/**
 * Rewrites the address's hash into MapLibre's form when it carries a view in another form
 * (without a new history entry); returns the view it names, if any.
 */
export function adoptSharedView(): View | null {
  const canonical = canonicalHash(location.hash);
  if (canonical) history.replaceState(history.state, '', location.href.replace(/(#.*)?$/, canonical));
  return parseHash(location.hash);
}
