// Pure formatting and map math: DMS, UTM 43N, screen scale. No DOM.
import proj4 from 'proj4';

proj4.defs('EPSG:32643', '+proj=utm +zone=43 +datum=WGS84 +units=m +no_defs');

/** Degrees as degrees-minutes-seconds, e.g. 43°14'16.4"N. */
export function dms(value: number, pos: string, neg: string): string {
  const hemi = value < 0 ? neg : pos;
  let v = Math.abs(value);
  let d = Math.floor(v);
  let m = Math.floor((v - d) * 60);
  let s = Math.round(((v - d) * 60 - m) * 600) / 10;
  if (s >= 60) { s = 0; m += 1; }
  if (m >= 60) { m = 0; d += 1; }
  v = 0;
  return `${d}°${String(m).padStart(2, '0')}'${s.toFixed(1).padStart(4, '0')}"${hemi}`;
}

/** WGS84 lon/lat to UTM zone 43N easting/northing in metres. */
export function utm43(lon: number, lat: number): [number, number] {
  const [e, n] = proj4('EPSG:4326', 'EPSG:32643', [lon, lat]);
  return [e, n];
}

/** Metres per CSS pixel of a Web Mercator map at `zoom` (512 px tiles, MapLibre) and latitude. */
export function metresPerPixel(zoom: number, lat: number): number {
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
}

/** The scale denominator on screen: a CSS pixel is 0.2645833 mm (96 dpi). */
export function scaleDenominator(zoom: number, lat: number): number {
  return metresPerPixel(zoom, lat) / 0.00026458333;
}

/** A round scale number for display: 1:12 345 -> 12 000. */
export function roundScale(n: number): number {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.round(n / p) * p;
}

/** "1 cm = 20 m" / "1 см = 2 км": what one centimetre of screen covers. */
export function namedScale(denominator: number, units: { m: string; km: string; cm: string }): string {
  const metres = denominator / 100;
  const nice = roundScale(metres);
  return nice >= 1000 ? `1 ${units.cm} = ${+(nice / 1000).toFixed(1)} ${units.km}` : `1 ${units.cm} = ${nice} ${units.m}`;
}

/** Metres as "850 m" or "1.24 km". */
export function distance(m: number, units: { m: string; km: string }): string {
  return m >= 1000 ? `${(m / 1000).toFixed(3)} ${units.km}` : `${m.toFixed(1)} ${units.m}`;
}

const EARTH_RADIUS = 6378137; // the WGS84 semi-major axis, Web Mercator's sphere
const RAD = Math.PI / 180;

/** The map frame of a print on the ground, as [west, south, east, north] in degrees: `frameMm`
 *  (width, height) of paper at 1:`scale` around `center`, true at the centre. In Web Mercator
 *  that is a rectangle of half-size frame/2 · scale / cos(lat) mercator metres. */
export function printFrame(center: [number, number], scale: number, frameMm: [number, number]): [number, number, number, number] {
  const [lon, lat] = center;
  const phi = Math.max(-85, Math.min(85, lat)) * RAD;
  const k = Math.cos(phi);
  const halfW = ((frameMm[0] / 2000) * scale) / k;
  const halfH = ((frameMm[1] / 2000) * scale) / k;
  const y = EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + phi / 2));
  const latOf = (my: number) => (2 * Math.atan(Math.exp(my / EARTH_RADIUS)) - Math.PI / 2) / RAD;
  const dLon = halfW / EARTH_RADIUS / RAD;
  return [lon - dLon, latOf(y - halfH), lon + dLon, latOf(y + halfH)];
}

/** The scales a print may use: the server's list plus the current view's (rounded, kept within
 *  [min, max]) unless a listed scale is within 10 % of it; `selected` is the one nearest the view. */
export function printScales(listed: number[], view: number, min: number, max: number): { scales: number[]; selected: number } {
  const scales = [...new Set(listed)].filter((s) => s >= min && s <= max).sort((a, b) => a - b);
  if (!Number.isFinite(view) || view <= 0) return { scales, selected: scales[0] ?? min };
  const own = Math.min(max, Math.max(min, roundScale(view)));
  const near = scales.reduce<number | null>((best, s) => (best === null || Math.abs(Math.log(s / own)) < Math.abs(Math.log(best / own)) ? s : best), null);
  if (near !== null && Math.abs(near - own) / own <= 0.1) return { scales, selected: near };
  return { scales: [...scales, own].sort((a, b) => a - b), selected: own };
}
