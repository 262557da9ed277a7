"""Drives a running Accord hub with the OASIS-ecosystem Python clients.

Usage: interop.py BASE_URL COLLECTION_ID PARTY TOKEN

taxii2-client: discovery, API root, collections, add an envelope, poll its status, page
through objects with every filter, object versions and the manifest. stix2: objects created
with it round-trip unchanged, and TAXIICollectionSource/Sink work against the hub.
Exits non-zero (an AssertionError) at the first disagreement.
"""
import sys
import uuid

import stix2
from taxii2client.v21 import Server, Collection, as_pages

base, collection_id, party, token = sys.argv[1:5]

server = Server(base + "/taxii2/", user=party, password=token)
assert server.title == "Accord", server.title
roots = server.api_roots
assert len(roots) == 1, roots
root = server.default
assert root is not None and root.url.endswith("/taxii2/api/"), root.url
assert "application/taxii+json;version=2.1" in root.versions
assert root.max_content_length > 0
ids = [c.id for c in root.collections]
assert collection_id in ids, ids
col = [c for c in root.collections if c.id == collection_id][0]
assert col.can_read and col.can_write

# stix2 objects, several versions of one indicator, TLP 2.0 GREEN.
green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
first = stix2.Indicator(
    name="interop v1",
    pattern="[ipv4-addr:value = '203.0.113.7']",
    pattern_type="stix",
    valid_from="2026-01-01T00:00:00Z",
    object_marking_refs=[green],
    custom_properties={"x_interop": {"n": 1}},
)
second = first.new_version(name="interop v2")
malware = stix2.Malware(name="interop malware", is_family=False, object_marking_refs=[green])
others = [
    stix2.Indicator(
        pattern="[domain-name:value = 'n%d.example']" % i,
        pattern_type="stix",
        valid_from="2026-01-01T00:00:00Z",
        object_marking_refs=[green],
    )
    for i in range(12)
]
bundle = stix2.Bundle(first, second, malware, *others, allow_custom=True)
envelope = {"objects": [json_obj for json_obj in __import__("json").loads(bundle.serialize())["objects"]]}
# One invalid object: refused with a reason, the others recorded.
envelope["objects"].append({"type": "indicator", "id": "indicator--" + str(uuid.uuid4())})

status = col.add_objects(envelope, wait_for_completion=True, poll_interval=0.2, timeout=30)
assert status.status == "complete", status.status
assert status.total_count == 16, status.total_count
assert status.success_count == 15, (status.success_count, status.failures)
assert status.failure_count == 1 and "missing required property" in status.failures[0]["message"], status.failures
status.refresh()
assert status.success_count == 15

# Paging through everything, 5 at a time: each object once (latest versions only).
seen = []
for envelope in as_pages(col.get_objects, per_request=5):
    seen.extend(o["id"] for o in envelope.get("objects", []))
assert len(seen) == len(set(seen)) == 14, seen

# Every filter.
got = col.get_objects(type="malware")["objects"]
assert [o["id"] for o in got] == [malware.id], got
got = col.get_objects(id=first.id)["objects"]
assert len(got) == 1 and got[0]["name"] == "interop v2", got
got = col.get_objects(id=first.id, version="first")["objects"]
assert len(got) == 1 and got[0]["name"] == "interop v1", got
got = col.get_objects(id=first.id, version="all")["objects"]
assert len(got) == 2, got
got = col.get_objects(id=first.id, version=__import__("json").loads(first.serialize())["modified"])
assert [o["name"] for o in got["objects"]] == ["interop v1"], got
assert col.get_objects(spec_version="2.1", type="malware")["objects"][0]["id"] == malware.id
assert "objects" not in col.get_objects(spec_version="2.0")
page = col.get_objects(limit=3)
assert page["more"] is True and len(page["objects"]) == 3 and page["next"]
# added_after: everything after the third object's date added.
manifest = col.get_manifest()["objects"]
assert len(manifest) == 14
after = manifest[2]["date_added"]
got = col.get_objects(added_after=after)["objects"]
assert len(got) == 11, len(got)

# Versions and manifest.
versions = col.object_versions(first.id)["versions"]
assert len(versions) == 2, versions
m = col.get_manifest(id=first.id, version="all")["objects"]
assert len(m) == 2 and all(x["media_type"].startswith("application/stix+json") for x in m), m
one = col.get_object(malware.id)["objects"]
assert one[0]["id"] == malware.id

# stix2 objects round-trip unchanged, custom properties included.
back = col.get_object(first.id, version="first")["objects"][0]
parsed = stix2.parse(back, allow_custom=True)
assert parsed == first, (parsed, first)
assert back["x_interop"] == {"n": 1}

# TAXIICollectionSource / Sink.
sink = stix2.TAXIICollectionSink(col)
late = stix2.Indicator(
    name="from the sink",
    pattern="[url:value = 'http://sink.example/']",
    pattern_type="stix",
    valid_from="2026-01-01T00:00:00Z",
    object_marking_refs=[green],
)
sink.add(late)
source = stix2.TAXIICollectionSource(col)
assert source.get(late.id) == late
found = source.query([stix2.Filter("type", "=", "malware")])
assert [o.id for o in found] == [malware.id], found
all_versions = source.all_versions(first.id)
assert len(all_versions) == 2, all_versions

print("taxii2-client and stix2 interop: ok")
