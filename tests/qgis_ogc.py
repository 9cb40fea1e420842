"""QGIS 3.22 (Debian's python3-qgis, headless) as a client of Qala's WMS 1.3.0 and WMTS 1.0.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_ogc.py BASE LOGIN PASSWORD MINX MINY MAXX MAXY

Adds `buildings` (public) and `utility_networks` (restricted) from BASE/wms and from
BASE/wmts/1.0.0/WMTSCapabilities.xml as QGIS raster layers, renders each over the EPSG:3857 extent
MINX..MAXY at 256x256 with QgsMapRendererParallelJob and checks the images: the buildings' fill
colour (#dcd3ca) on the left half where the test put a block of buildings and none on the right;
the water mains' blue (#1f78b4) on the right half with the credentials (username/password in the
layer's URI) and nowhere without them, where QGIS either refuses the layer or draws nothing.
OWSLib (Debian's python3-owslib, a QGIS dependency) reads the same capabilities with and without
the credentials and fetches an image of each service. Prints `ok - ...` per check (14); exits
non-zero when any failed.
"""
import math
import sys

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QEventLoop, QSize
from qgis.PyQt.QtGui import QColor

base, login, password = sys.argv[1:4]
extent = QgsRectangle(*(float(v) for v in sys.argv[4:8]))
SIZE = 256
BUILDING = (0xDC, 0xD3, 0xCA)
WATER = (0x1F, 0x78, 0xB4)

QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
QgsApplication.messageLog().messageReceived.connect(lambda msg, tag, level: print(f"# {tag}: {msg}", flush=True))
failures = 0


def check(ok, what):
    global failures
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    if not ok:
        failures += 1


def problem(layer):
    """Why QGIS refused a layer (QgsError.summary() crashes on an empty error in 3.22)."""
    error = layer.error()
    return "" if error.isEmpty() else error.summary()


def uri(service, layer, creds):
    if service == "wms":
        u = f"crs=EPSG:3857&format=image/png&layers={layer}&styles=&url={base}/wms"
    else:
        u = (f"crs=EPSG:3857&format=image/png&layers={layer}&styles=default"
             f"&tileMatrixSet=GoogleMapsCompatible&url={base}/wmts/1.0.0/WMTSCapabilities.xml")
    if creds:
        u = f"username={login}&password={password}&" + u
    return u


def render(layer):
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setExtent(extent)
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setBackgroundColor(QColor(255, 255, 255, 0))
    job = QgsMapRendererParallelJob(settings)
    # The WMS provider's requests need this thread's event loop (waitForFinished() would block it).
    loop = QEventLoop()
    job.finished.connect(loop.quit)
    job.start()
    loop.exec_()
    errors = [f"{e.layerID}: {e.message}" for e in job.errors()]
    return job.renderedImage(), errors


def near(c, ref, tol):
    return abs(c.red() - ref[0]) <= tol and abs(c.green() - ref[1]) <= tol and abs(c.blue() - ref[2]) <= tol


def count(img, ref, tol, x0, x1):
    """Opaque pixels of colour ref (within tol) in the columns x0..x1."""
    n = 0
    for y in range(0, img.height()):
        for x in range(x0, x1):
            c = img.pixelColor(x, y)
            if c.alpha() > 200 and near(c, ref, tol):
                n += 1
    return n


half = SIZE // 2
for service in ("wms", "wmts"):
    layer = QgsRasterLayer(uri(service, "buildings", False), f"{service} buildings", "wms")
    check(layer.isValid(), f"{service}: QGIS adds the public layer buildings {problem(layer)}")
    if layer.isValid():
        img, errors = render(layer)
        left = count(img, BUILDING, 12, 8, half - 8)
        right = count(img, BUILDING, 12, half + 8, SIZE - 8)
        check(left > half * SIZE // 2 and right == 0,
              f"{service}: buildings drawn where they are ({left} px left, {right} px right) {errors}")

    layer = QgsRasterLayer(uri(service, "utility_networks", True), f"{service} networks", "wms")
    check(layer.isValid(), f"{service}: QGIS adds the restricted layer with Basic credentials {problem(layer)}")
    if layer.isValid():
        img, errors = render(layer)
        right = count(img, WATER, 40, half, SIZE)
        left = count(img, WATER, 40, 0, half - 8)
        check(right > 100 and left == 0,
              f"{service}: with credentials the water mains are drawn ({right} px right, {left} px left) {errors}")

    layer = QgsRasterLayer(uri(service, "utility_networks", False), f"{service} networks anonymous", "wms")
    if not layer.isValid():
        check(True, f"{service}: without credentials QGIS refuses the restricted layer")
    else:
        img, errors = render(layer)
        n = count(img, WATER, 40, 0, SIZE)
        check(n == 0, f"{service}: without credentials nothing of the restricted layer is drawn ({n} px) {errors}")

# OWSLib: capabilities per caller, an image from each service.
from owslib.wms import WebMapService  # noqa: E402
from owslib.wmts import WebMapTileService  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
wms = WebMapService(f"{base}/wms", version="1.3.0")
check("buildings" in wms.contents and "utility_networks" not in wms.contents,
      f"owslib wms: anonymous capabilities name {sorted(wms.contents)}")
wms = WebMapService(f"{base}/wms", version="1.3.0", username=login, password=password)
img = wms.getmap(layers=["utility_networks"], styles=[""], srs="EPSG:3857", size=(SIZE, SIZE), format="image/png",
                 bbox=(extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()), transparent=True)
body = img.read()
check("utility_networks" in wms.contents and body.startswith(PNG),
      f"owslib wms: with credentials the restricted layer is named and drawn ({len(body)} bytes)")
wmts_url = f"{base}/wmts/1.0.0/WMTSCapabilities.xml"
wmts = WebMapTileService(wmts_url)
check("buildings" in wmts.contents and "utility_networks" not in wmts.contents,
      f"owslib wmts: anonymous capabilities name {sorted(wmts.contents)}")
wmts = WebMapTileService(wmts_url, username=login, password=password)
z = 16
x = (extent.center().x() + math.pi * 6378137) / (2 * math.pi * 6378137) * 2**z
y = (math.pi * 6378137 - extent.center().y()) / (2 * math.pi * 6378137) * 2**z
tile = wmts.gettile(layer="utility_networks", tilematrixset="GoogleMapsCompatible", tilematrix=str(z),
                    row=int(y), column=int(x), format="image/png")
body = tile.read()
check("utility_networks" in wmts.contents and body.startswith(PNG),
      f"owslib wmts: with credentials the restricted layer is named and its tile {z}/{int(x)}/{int(y)} read")

app.exitQgis()
sys.exit(1 if failures else 0)
