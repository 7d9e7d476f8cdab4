#!/usr/bin/env python3
"""The API as real clients send requests: a python `requests` session with
xmltodict (the shape of the public CMS API client classes) against a
running portico meet.  Lower-case paths, trailing slashes, challenge-first
Basic auth, offset paging over many spaces, unsupported vendor parameters
refused (nothing stored), JSON errors."""
import warnings

import requests
import xmltodict

from meetlib import PASSWORD, Meet, Procs, Tap, location_id

warnings.filterwarnings("ignore", message="Unverified HTTPS request")
t = Tap()
procs = Procs()
m = Meet(procs, extra={"api": {"auth-attempts": "4"}}).start()
s = requests.Session()
s.verify = False
s.trust_env = False  # a CA bundle from the environment would override verify
auth = ("admin", PASSWORD)


def xml(r):
    return xmltodict.parse(r.text) if r.text else {}


# ---- challenge-first auth: credential-less requests never lock out ----
for i in range(10):
    r = s.get(m.base + "/coSpaces")
    if r.status_code != 401:
        break
t.eq(r.status_code, 401, "ten requests without credentials each get 401")
t.ok(r.headers.get("WWW-Authenticate", "").startswith("Basic"), "401 carries a Basic challenge")
r = s.get(m.base + "/coSpaces", auth=auth)
t.eq(r.status_code, 200, "then the same request with credentials: 200, not locked out")

# ---- lower-case paths and trailing slashes ----
r = s.post(m.base + "/cospaces", data={"name": "Client Room", "uri": "clientroom", "callId": "555001"}, auth=auth)
t.eq(r.status_code, 200, "POST /cospaces (lower case) creates a space")
sid = location_id({"location": r.headers.get("Location", "")})
t.ok(r.headers.get("Location", "").startswith("/api/v1/coSpaces/"), "Location uses the schema's spelling")
r = s.get(m.base + "/COSPACES/%s/" % sid, auth=auth)
t.eq(r.status_code, 200, "GET /COSPACES/<id>/ (upper case, trailing slash)")
t.eq(xml(r).get("coSpace", {}).get("name"), "Client Room", "... gives the space")
r = s.post(m.base + "/coSpaces/%s/ACCESSMETHODS/" % sid, data={"callId": "555002", "passcode": "11"}, auth=auth)
t.eq(r.status_code, 200, "POST coSpaces/<id>/ACCESSMETHODS/")
r = s.get(m.base + "/cospaces/%s/accessmethods/" % sid, auth=auth)
t.eq(xml(r).get("accessMethods", {}).get("@total"), "1", "GET cospaces/<id>/accessmethods/ lists it")
r = s.get(m.base + "/cospaces/%s/" % sid.upper(), auth=auth)
t.eq(r.status_code, 404, "ids stay exact: an upper-cased id is another id")
r = s.get(m.base + "/system/STATUS", auth=auth)
t.eq(r.status_code, 200, "GET system/STATUS")
r = s.get(m.base + "/coSpaces//", auth=auth)
t.eq(r.status_code, 404, "only one trailing slash is accepted")

# ---- unsupported vendor parameters: 400 unrecognised, nothing stored ----
before = xml(s.get(m.base + "/coSpaces", auth=auth))["coSpaces"]["@total"]
for param, value in [("streamUrl", "rtmp://example/live"), ("nonMemberAccess", "true")]:
    r = s.post(m.base + "/coSpaces", data={"name": "Nope", param: value}, auth=auth)
    t.eq(r.status_code, 400, "POST coSpaces %s -> 400" % param)
    pe = xml(r).get("failureDetails", {}).get("parameterError", {})
    t.eq((pe.get("@parameter"), pe.get("@error")), (param, "unrecognised"),
         "failureDetails/parameterError names %s, unrecognised" % param)
r = s.put(m.base + "/coSpaces/" + sid, data={"name": "Renamed", "streamUrl": "rtmp://x/y"}, auth=auth)
t.eq(r.status_code, 400, "PUT with streamUrl -> 400")
t.eq(xml(s.get(m.base + "/coSpaces/" + sid, auth=auth))["coSpace"]["name"], "Client Room",
     "the rejected PUT changed nothing (not even the valid name)")
r = s.post(m.base + "/callProfiles", data={"recordingMode": "automatic"}, auth=auth)
t.eq(r.status_code, 400, "POST callProfiles recordingMode -> 400")
r = s.post(m.base + "/callProfiles", data={"streamingMode": "manual"}, auth=auth,
           headers={"Accept": "application/json"})
t.eq(r.status_code, 400, "streamingMode -> 400 with Accept: application/json")
t.ok("unrecognised" in r.text and "streamingMode" in r.text and r.text.lstrip().startswith("{"),
     "the JSON error names the parameter", r.text)
t.eq(xml(s.get(m.base + "/coSpaces", auth=auth))["coSpaces"]["@total"], before, "no space was written")
r = s.get(m.base + "/cospaces/00000000-0000-4000-8000-000000000000/", auth=auth,
          headers={"Accept": "application/json"})
t.eq(r.status_code, 404, "unknown space with Accept: application/json -> 404")
t.ok(r.text.lstrip().startswith("{") and "coSpaceDoesNotExist" in r.text, "... failureDetails as JSON", r.text)
r = s.get(m.base + "/cospaces/%s" % sid, auth=auth, headers={"Accept": "application/json"})
t.eq(r.json().get("coSpace", {}).get("name"), "Client Room", "the object as JSON")
t.ok("parameter streamUrl refused" in m.read_log(), "a refused parameter is logged")
r = s.get(m.base + "/coSpaces", params={"tenantFilter": "not-a-guid"}, auth=auth)
t.eq(r.status_code, 400, "tenantFilter must be a GUID")
r = s.get(m.base + "/coSpaces", params={"tenantFilter": "00000000-0000-4000-8000-000000000000"}, auth=auth)
t.eq(xml(r)["coSpaces"]["@total"], "0", "tenantFilter of a tenant nobody has lists nothing")

# ---- tenants and tenantFilter ----
r = s.post(m.base + "/tenants/", data={"name": "Acme"}, auth=auth)
t.eq(r.status_code, 200, "POST /tenants/")
ten = location_id({"location": r.headers.get("Location", "")})
r = s.post(m.base + "/coSpaces", data={"name": "Acme room", "tenant": ten}, auth=auth)
t.eq(r.status_code, 200, "a space of that tenant")
d = xml(s.get(m.base + "/coSpaces", params={"tenantFilter": ten}, auth=auth))["coSpaces"]
t.eq((d["@total"], d["coSpace"]["name"]), ("1", "Acme room"), "tenantFilter lists the tenant's space only")
t.eq(xml(s.get(m.base + "/TENANTS", auth=auth))["tenants"]["tenant"]["name"], "Acme", "GET /TENANTS")

# ---- offset paging over many spaces: no gaps, no duplicates ----
for i in range(60):
    s.post(m.base + "/coSpaces", data={"name": "page%02d" % i}, auth=auth).raise_for_status()
seen = []
offset = 0
while True:
    d = xml(s.get(m.base + "/cospaces/", params={"offset": offset, "limit": 7}, auth=auth))["coSpaces"]
    total = int(d["@total"])
    page = d.get("coSpace", [])
    page = page if isinstance(page, list) else [page]
    if not page:
        break
    seen += [p["@id"] for p in page]
    offset += len(page)
t.eq(len(seen), total, "paging with limit=7 visits total=%d spaces" % total)
t.eq(len(set(seen)), len(seen), "no space is listed twice")
r = s.get(m.base + "/coSpaces", params={"offset": "-1"}, auth=auth)
t.eq(r.status_code, 400, "a negative offset -> 400")
r = s.get(m.base + "/coSpaces", params={"limit": "x"}, auth=auth)
t.eq(r.status_code, 400, "a non-numeric limit -> 400")

t.done()
