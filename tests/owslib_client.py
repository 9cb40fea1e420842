"""OWSLib (PyPI) as an independent client of Qala's OGC API - Features Part 4.

Usage: owslib_client.py BASE_URL LOGIN PASSWORD. Creates a feature in `places`, replaces it and
deletes it, each time checking the result through OWSLib's own reads; exits non-zero on failure.
OWSLib sends no If-Match of its own, so the script passes the ETag it read, as a header. Features
go to OWSLib as dicts: it then sends them as application/geo+json (POST) and application/json
(PUT); a JSON text would go as text/xml (POST) or without a media type (PUT), which Qala refuses
(415, 400) as OGC API - Features Part 4 says.
"""
import sys

import requests
from owslib.ogcapi.features import Features
from owslib.util import Authentication

base, login, password = sys.argv[1:4]
auth = Authentication(login, password)
api = Features(base, auth=auth)

assert "places" in api.feature_collections(), api.feature_collections()

feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.93, 43.24]},
           "properties": {"name": "OWSLib school", "floors": 2}}
api.collection_item_create("places", feature)
found = api.collection_items("places", filter="name = 'OWSLib school'", limit=10)["features"]
assert len(found) == 1, found
fid = found[0]["id"]
print("created", fid)


def etag(fid):
    r = requests.get(f"{base}/collections/places/items/{fid}", auth=(login, password), timeout=30)
    r.raise_for_status()
    return r.headers["ETag"]


feature["properties"] = {"name": "OWSLib school", "floors": 5}
api.headers["If-Match"] = etag(fid)
api.collection_item_update("places", fid, feature)
assert api.collection_item("places", fid)["properties"]["floors"] == 5
print("updated", fid)

api.headers["If-Match"] = etag(fid)
api.collection_item_delete("places", fid)
api.headers.pop("If-Match")
left = api.collection_items("places", filter="name = 'OWSLib school'", limit=10)["features"]
assert left == [], left
print("deleted", fid)
