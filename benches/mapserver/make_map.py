#!/usr/bin/env python3
"""Writes benches/mapserver/qala.map, MapServer's twin of the web map's style (styles/qala.json)
for the layers of make bench-raster: buildings and streets (casing, line, label), in the style's
order, colours and widths. Usage: make_map.py [STYLE.json] > qala.map

The style's zoom is MapLibre's (512-pixel tiles) for the image's resolution in Web Mercator:
z = log2(78271.517 / metres per pixel), whatever the latitude (the ground scale and the zoom's
ground resolution shrink alike). MapServer picks classes by scale denominator, at its default
72 dpi: scale = metres per pixel * 39.3701 * 72. Widths that follow the zoom are written as one
class per quarter zoom (z10 to z20), each with the width at the middle of its band: within 6 % of
the style's curve anywhere and exact at integer zooms (the tiles). The generated streets have no
`class`, so every `match` takes its default. The result is a template: make bench-raster fills in
@CONNECTION@ (PostGIS), @FONTSET@ and @ONLINE@ (its WMS address).
"""
import json
import math
import sys

style = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "styles/qala.json"))
layers = {l["id"]: l for l in style["layers"]}
Z0_RES = 2 * math.pi * 6378137 / 512


def scale(z):
    """MapServer's scale denominator at style zoom z (72 dpi)."""
    return Z0_RES / 2**z * 39.3701 * 72


def value(v, z):
    """A style value at zoom z for a feature without `class` (literal, match, interpolate)."""
    if not isinstance(v, list):
        return v
    if v[0] == "match":  # no attribute of the generated data matches: the default
        return value(v[-1], z)
    if v[0] == "interpolate":
        kind, stops = v[1], v[3:]
        pairs = [(stops[i], value(stops[i + 1], z)) for i in range(0, len(stops), 2)]
        if z <= pairs[0][0]:
            return pairs[0][1]
        for (z0, a), (z1, b) in zip(pairs, pairs[1:]):
            if z <= z1:
                base = kind[1] if kind[0] == "exponential" else 1
                t = (z - z0) / (z1 - z0) if base == 1 else (base ** (z - z0) - 1) / (base ** (z1 - z0) - 1)
                return a + t * (b - a)
        return pairs[-1][1]
    raise ValueError(f"unsupported expression {v[0]}")


def rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return " ".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4))


# A style's minzoom is inclusive; MapServer's scale of a 256-pixel tile is a little larger than
# the zoom's (it divides by the width less one pixel): thresholds at a minzoom get this margin.
MARGIN = 0.05


# MapServer's label sizes (and halo widths) are points drawn at 96 dpi: 12 of them are 16 pixels.
# The style's are CSS pixels: its 12 px text is MapServer's 9 (compared side by side with Qala).
PT_PER_PX = 0.75


def bands(minzoom):
    """Quarter-zoom bands from minzoom to z20 (the last one open): (middle, max, min scale)."""
    out = []
    c = minzoom
    while c <= 20:
        lo, hi = (minzoom - MARGIN if c == minzoom else c - 0.125), c + 0.125
        out.append((c, scale(lo), None if c == 20 else scale(hi)))
        c += 0.25
    return out


def connection_data(table, columns):
    return f"""    CONNECTIONTYPE POSTGIS
    CONNECTION "@CONNECTION@"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA "geom_web from (select id, {columns}geom_web from {table} where deleted_at is null) as t using unique id using srid=3857\""""


def line_layer(name, sl, label=None):
    paint, layout = sl["paint"], sl.get("layout", {})
    out = [
        "  LAYER",
        f'    NAME "{name}"',
        '    GROUP "streets"',
        "    TYPE LINE",
        "    STATUS ON",
        f"    MAXSCALEDENOM {scale(sl.get('minzoom', 0) - MARGIN):.2f}",
        connection_data("features_streets", "attrs->>'name' as name, " if label else ""),
        "    PROJECTION",
        '      "init=epsg:3857"',
        "    END",
        '    METADATA "wms_title" "' + name + '" "wms_srs" "EPSG:3857" END',
    ]
    if label:
        out.append('    LABELITEM "name"')
    for c, hi, lo in bands(sl.get("minzoom", 0)):
        width = value(paint["line-width"], c)
        out += [
            "    CLASS",
            f"      MAXSCALEDENOM {hi:.2f}",
        ]
        if lo is not None:
            out.append(f"      MINSCALEDENOM {lo:.2f}")
        out += [
            "      STYLE",
            f"        COLOR {rgb(value(paint['line-color'], c))}",
            f"        WIDTH {width:.2f}",
            f"        LINECAP {layout.get('line-cap', 'butt').upper()}",
            f"        LINEJOIN {layout.get('line-join', 'miter').upper()}",
            "      END",
        ]
        if label and c >= label.get("minzoom", 0):
            lp, ll = label["paint"], label["layout"]
            out += [
                "      LABEL",
                f"        MAXSCALEDENOM {scale(label['minzoom'] - MARGIN):.2f}",
                '        FONT "dejavu"',
                f"        SIZE {ll['text-size'] * PT_PER_PX:g}",
                f"        COLOR {rgb(lp['text-color'])}",
                f"        OUTLINECOLOR {rgb(lp['text-halo-color'])}",
                f"        OUTLINEWIDTH {max(1, round(lp['text-halo-width'] * PT_PER_PX))}",
                "        ANGLE FOLLOW",
                f"        MAXOVERLAPANGLE {ll.get('text-max-angle', 45)}",
                f"        REPEATDISTANCE {ll.get('symbol-spacing', 250)}",
                "        PARTIALS FALSE",
                "      END",
            ]
        out.append("    END")
    out.append("  END")
    return "\n".join(out)


buildings = layers["buildings"]
fill = buildings["paint"]
casing, street, label = layers["streets-casing"], layers["streets"], layers["streets-label"]
bg = layers["background"]["paint"]["background-color"]
print(f"""# MapServer's twin of styles/qala.json for make bench-raster (buildings and streets).
# Generated by benches/mapserver/make_map.py from the style; do not edit by hand.
# @CONNECTION@, @FONTSET@ and @ONLINE@ are filled in by benches/raster.sh.
MAP
  NAME "qala"
  SIZE 1024 768
  MAXSIZE 4096
  UNITS METERS
  EXTENT 8543000 5330000 8585000 5370000
  IMAGECOLOR {rgb(bg)}
  FONTSET "@FONTSET@"
  IMAGETYPE "png"
  OUTPUTFORMAT
    NAME "png"
    DRIVER "AGG/PNG"
    MIMETYPE "image/png"
    IMAGEMODE RGBA
    EXTENSION "png"
  END
  PROJECTION
    "init=epsg:3857"
  END
  WEB
    METADATA
      "wms_title" "MapServer twin of Qala's web map"
      "wms_onlineresource" "@ONLINE@"
      "wms_srs" "EPSG:3857"
      "wms_enable_request" "GetMap GetCapabilities"
    END
  END
{line_layer("streets_casing", casing)}
{line_layer("streets_line", street, label)}
  LAYER
    NAME "buildings"
    TYPE POLYGON
    STATUS ON
    MAXSCALEDENOM {scale(buildings["minzoom"] - MARGIN):.2f}
{connection_data("features_buildings", "")}
    PROJECTION
      "init=epsg:3857"
    END
    METADATA "wms_title" "buildings" "wms_srs" "EPSG:3857" END
    CLASS
      STYLE
        COLOR {rgb(value(fill["fill-color"], 16))}
        OUTLINECOLOR {rgb(fill["fill-outline-color"])}
        WIDTH 1
      END
    END
  END
END""")
