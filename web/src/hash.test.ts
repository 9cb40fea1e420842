import { describe, expect, it } from 'vitest';
import { parseHash, formatHash, canonicalHash } from './hash';

describe('the view in the address', () => {
  it('reads the MapLibre/OSM form #zoom/lat/lon', () => {
    expect(parseHash('#15/43.25/76.95')).toEqual({ zoom: 15, lat: 43.25, lon: 76.95, bearing: 0, pitch: 0 });
    expect(parseHash('15/43.25/76.95')).toEqual({ zoom: 15, lat: 43.25, lon: 76.95, bearing: 0, pitch: 0 });
    expect(parseHash('#12.5/-33.9/-18.4')).toEqual({ zoom: 12.5, lat: -33.9, lon: -18.4, bearing: 0, pitch: 0 });
  });
  it('reads bearing and pitch', () => {
    expect(parseHash('#16/43.2379/76.9457/-30.5/60')).toEqual({ zoom: 16, lat: 43.2379, lon: 76.9457, bearing: -30.5, pitch: 60 });
    expect(parseHash('#16/43.2379/76.9457/45')).toEqual({ zoom: 16, lat: 43.2379, lon: 76.9457, bearing: 45, pitch: 0 });
  });
  it('reads the earlier #view= and OpenStreetMap\'s #map= links, also among other parts', () => {
    const v = { zoom: 15, lat: 43.2379, lon: 76.9457, bearing: 0, pitch: 0 };
    expect(parseHash('#view=15/43.2379/76.9457')).toEqual(v);
    expect(parseHash('#map=15/43.2379/76.9457')).toEqual(v);
    expect(parseHash('#layers=C&map=15/43.2379/76.9457')).toEqual(v);
    expect(parseHash('#15/43.2379/76.9457&layers=C')).toEqual(v);
  });
  it('names no view for anything else', () => {
    for (const h of ['', '#', '#15', '#15/43.25', '#a/b/c', '#15/43.25/76.95/1/2/3', '#15//76.95', '#15/43.25/76.95x',
      '#15/91/76.95', '#15/43.25/181', '#25/43.25/76.95', '#-1/43.25/76.95', '#15/43.25/76.95/0/90', '#15/43.25/76.95/200',
      '#search=15/43.25/76.95', '#x&15/43.25/76.95']) {
      expect(parseHash(h), h).toBeNull();
    }
  });
  it('writes what MapLibre writes', () => {
    expect(formatHash({ zoom: 15, lat: 43.25, lon: 76.95, bearing: 0, pitch: 0 })).toBe('#15/43.25/76.95');
    expect(formatHash({ zoom: 15, lat: 43.25, lon: 76.95, bearing: 20, pitch: 0 })).toBe('#15/43.25/76.95/20');
    expect(formatHash({ zoom: 15, lat: 43.25, lon: 76.95, bearing: 0, pitch: 45 })).toBe('#15/43.25/76.95/0/45');
    for (const h of ['#15/43.25/76.95', '#15/43.25/76.95/20', '#15/43.25/76.95/-20/45']) expect(formatHash(parseHash(h)!)).toBe(h);
  });
  it('rewrites only the other forms', () => {
    expect(canonicalHash('#view=15/43.2379/76.9457/10/30')).toBe('#15/43.2379/76.9457/10/30');
    expect(canonicalHash('#map=15/43.2379/76.9457')).toBe('#15/43.2379/76.9457');
    expect(canonicalHash('#15/43.2379/76.9457')).toBeNull();
    expect(canonicalHash('#nothing')).toBeNull();
    expect(canonicalHash('')).toBeNull();
  });
});
