#!/usr/bin/env python3
"""REST API over real HTTPS with curl against a running portico meet:
the seed's Postman sequence, coSpaces CRUD/paging/filter, accessMethods,
inbound rules, the other collections, every error path, auth failures."""
import json
import re

from meetlib import Meet, Procs, Tap, location_id

t = Tap()
procs = Procs()
m = Meet(procs, extra={"api": {"page-limit": "5", "max-body": "2048", "auth-attempts": "4"}}).start()

# ---- the seed's Postman sequence (TechNote step: TURN through the API) ----
seed_turn = [("serverAddress", "172.16.85.168"), ("clientAddress", "10.88.246.156"),
             ("username", "turnuser"), ("password", "cisco"), ("type", "standard"),
             ("tcpPortNumberOverride", "3478")]
st, h, body = m.curl("POST", "/turnServers", seed_turn)
t.eq(st, 200, "POST /turnServers with the seed's parameters answers 200")
t.match(r"^/api/v1/turnServers/[0-9a-f-]{36}$", h.get("location"), "Location: /api/v1/turnServers/<guid>")
tid = location_id(h)
st, h, body = m.curl("GET", "/turnServers")
t.eq(st, 200, "GET /turnServers")
t.match(r'<turnServers total="1"><turnServer id="%s"><serverAddress>172.16.85.168</serverAddress>'
        r'<clientAddress>10.88.246.156</clientAddress></turnServer></turnServers>' % tid, body,
        "collection lists id, serverAddress, clientAddress")
st, h, body = m.curl("GET", "/turnServers/" + tid)
t.eq(st, 200, "GET /turnServers/<id>")
t.match(r"<type>standard</type>", body, "object shows type")
t.match(r"<tcpPortNumberOverride>3478</tcpPortNumberOverride>", body, "object shows tcpPortNumberOverride")
t.ok("cisco" not in body and "password" not in body, "the password is never returned", body)
st, _, body = m.curl("GET", "/turnServers/" + tid, accept="application/json")
j = json.loads(body)
t.eq(j["turnServer"]["serverAddress"], "172.16.85.168", "Accept: application/json gives the same object")
t.ok("password" not in j["turnServer"], "no password in JSON either")
for bad, param in [([("type", "turnish")], "type"), ([("tcpPortNumberOverride", "70000")], "tcpPortNumberOverride"),
                   ([("tcpPortNumberOverride", "12a")], "tcpPortNumberOverride"),
                   ([("serverAddress", "bad host!")], "serverAddress")]:
    st, _, body = m.curl("PUT", "/turnServers/" + tid, bad)
    t.eq(st, 400, "PUT turnServers %s=%s -> 400" % bad[0])
    t.match(r'<parameterError parameter="%s" error="invalidValue"/>' % param, body, "parameterError names %s" % param)
st, _, body = m.curl("POST", "/turnServers", [("clientAddress", "10.0.0.1")])
t.match(r'parameter="serverAddress" error="required"', body, "serverAddress is required")
st, _, body = m.curl("GET", "/turnServers/" + tid)
t.match(r"<type>standard</type>", body, "rejected PUTs changed nothing")

# ---- the seed space and inbound rules (first start) ----
st, _, body = m.curl("GET", "/coSpaces")
t.match(r'<coSpaces total="1"><coSpace id="([0-9a-f-]{36})"><name>Proxy webRTC</name><uri>proxywebrtc</uri>'
        r'<callId>100101</callId></coSpace></coSpaces>', body, "seed space Proxy webRTC / proxywebrtc / 100101")
seed_id = re.search(r'coSpace id="([^"]+)"', body).group(1)
st, _, body = m.curl("GET", "/inboundDialPlanRules")
t.match(r'total="2"', body, "two inbound rules")
for d in ("cms.octavio.local", "octavio.com"):
    t.match(r"<domain>%s</domain><priority>0</priority><resolveTocoSpaces>true</resolveTocoSpaces>" % re.escape(d),
            body, "rule for %s resolves to spaces (resolveTocoSpaces)" % d)
for dom in ("cms.octavio.local", "octavio.com"):
    st, _, body = m.curl("POST", "/accessQuery", [("uri", "proxywebrtc@" + dom)])
    t.eq(st, 200, "accessQuery proxywebrtc@%s" % dom)
    t.match(r"<callId>100101</callId>", body, "proxywebrtc@%s resolves to the seed space" % dom)
    t.match(r"<webAddress>https://127\.0\.0\.1:\d+/invited\.sf\?id=100101&amp;secret=[A-Za-z0-9_-]+</webAddress>",
            body, "accessQuery gives the guest link")
st, _, body = m.curl("POST", "/accessQuery", [("uri", "proxywebrtc@elsewhere.example")])
t.eq(st, 404, "a domain without a space rule does not resolve")
st, _, body = m.curl("POST", "/accessQuery", [("bogus", "1")])
t.eq(st, 400, "accessQuery refuses unknown parameters")
st, _, body = m.curl("GET", "/coSpaces/%s/meetingEntryDetail" % seed_id)
t.match(r"<meetingEntryDetail><uri>proxywebrtc@[a-z.]+</uri><callId>100101</callId></meetingEntryDetail>",
        body, "meetingEntryDetail")
st, _, body = m.curl("POST", "/inboundDialPlanRules", [("domain", "x.example"), ("resolveToCoSpaces", "true")])
t.match(r'parameter="resolveToCoSpaces" error="unrecognizedParameter"', body,
        "the misspelling resolveToCoSpaces is refused (vendor spells resolveTocoSpaces)")

# ---- coSpaces CRUD, paging, filter ----
ids = []
for i in range(12):
    st, h, _ = m.curl("POST", "/coSpaces", [("name", "Team %02d" % i), ("uri", "team%02d" % i),
                                            ("callId", "2000%02d" % i), ("defaultLayout", "speakerOnly")])
    ids.append(location_id(h))
t.ok(all(re.match(r"^[0-9a-f-]{36}$", x) for x in ids), "12 coSpaces created, GUID ids")
st, _, body = m.curl("GET", "/coSpaces?offset=0&limit=10")
t.match(r'<coSpaces total="13">', body, "total counts all 13")
t.eq(len(re.findall(r"<coSpace id=", body)), 5, "limit capped by page-limit (5)")
st, _, body = m.curl("GET", "/coSpaces?offset=10&limit=5")
t.eq(len(re.findall(r"<coSpace id=", body)), 3, "offset 10 of 13 gives 3")
t.match(r"<name>Team 09</name>", body, "creation order kept across pages")
st, _, body = m.curl("GET", "/coSpaces?filter=team%2005")
t.match(r'total="1".*<name>Team 05</name>', body, "filter is a case-insensitive substring")
st, _, body = m.curl("GET", "/coSpaces?filter=proxy")
t.match(r'total="1".*Proxy webRTC', body, "filter matches the seed space")
for q, p in [("offset=-1", "offset"), ("limit=abc", "limit"), ("color=red", "color")]:
    st, _, body = m.curl("GET", "/coSpaces?" + q)
    t.eq(st, 400, "GET coSpaces?%s -> 400" % q)
    t.match(r'parameter="%s"' % p, body, "names %s" % p)
st, _, body = m.curl("PUT", "/coSpaces/" + ids[0], [("name", "Renamed"), ("passcode", "4321")])
t.eq(st, 200, "PUT coSpace")
st, _, body = m.curl("GET", "/coSpaces/" + ids[0])
t.match(r"<name>Renamed</name>", body, "PUT changed the name")
t.match(r"<passcode>4321</passcode>", body, "PUT set the passcode")
t.match(r"<defaultLayout>speakerOnly</defaultLayout>", body, "omitted parameters unchanged")
t.match(r"<secret>[A-Za-z0-9_-]{22}</secret>", body, "a secret was generated")
secret = re.search(r"<secret>([^<]+)</secret>", body).group(1)
st, _, body = m.curl("PUT", "/coSpaces/" + ids[0], [("regenerateSecret", "true")])
st, _, body = m.curl("GET", "/coSpaces/" + ids[0])
t.ok(re.search(r"<secret>([^<]+)</secret>", body).group(1) != secret, "regenerateSecret makes a new secret")
st, _, body = m.curl("PUT", "/coSpaces/" + ids[0], [("passcode", "")])
st, _, body = m.curl("GET", "/coSpaces/" + ids[0])
t.ok("<passcode>" not in body, "param= unsets")
st, h, _ = m.curl("POST", "/coSpaces", [("name", "Auto"), ("requireCallId", "true")])
st, _, body = m.curl("GET", "/coSpaces/" + location_id(h))
t.match(r"<callId>\d{9}</callId>", body, "requireCallId=true generates a call ID")

# errors: duplicates, types, enums, lengths, unknown ids
cases = [
    ([("uri", "proxywebrtc")], 400, r"<failureDetails><duplicateCoSpaceUri/></failureDetails>", "duplicate uri"),
    ([("uri", "PROXYWEBRTC")], 400, r"<duplicateCoSpaceUri/>", "duplicate uri, other case"),
    ([("secondaryUri", "team03")], 400, r"<duplicateCoSpaceUri/>", "secondaryUri clashing with a uri"),
    ([("callId", "100101")], 400, r"<failureDetails><duplicateCoSpaceId/></failureDetails>", "duplicate callId"),
    ([("callId", "12ab")], 400, r'parameter="callId" error="invalidValue"', "non-numeric callId"),
    ([("passcode", "12 34")], 400, r'parameter="passcode" error="invalidValue"', "non-numeric passcode"),
    ([("defaultLayout", "mosaic")], 400, r'parameter="defaultLayout" error="invalidValue"', "unknown enum"),
    ([("requireCallId", "maybe")], 400, r'parameter="requireCallId" error="invalidValue"', "bad boolean"),
    ([("nonMemberAccess", "true")], 400, r'parameter="nonMemberAccess" error="unrecognised"', "unsupported nonMemberAccess"),
    ([("name", "r"), ("streamUrl", "rtmp://x/y")], 400, r'<failureDetails><parameterError parameter="streamUrl" error="unrecognised"/></failureDetails>',
     "unsupported streamUrl, nothing stored"),
    ([("name", "x" * 201)], 400, r'parameter="name" error="valueTooLong"', "name too long"),
    ([("cdrTag", "x" * 101)], 400, r'parameter="cdrTag" error="valueTooLong"', "cdrTag over 100"),
    ([("uri", "a@b")], 400, r'parameter="uri" error="invalidValue"', "uri with a domain part"),
    ([("callProfile", "00000000-0000-4000-8000-000000000000")], 400, r"<callProfileDoesNotExist/>", "unknown callProfile"),
    ([("tenant", "00000000-0000-4000-8000-000000000000")], 400, r"<tenantDoesNotExist/>", "unknown tenant"),
    ([("frobnicate", "1")], 400, r'parameter="frobnicate" error="unrecognizedParameter"', "unknown parameter"),
]
for data, code, pat, name in cases:
    n_before = re.search(r'total="(\d+)"', m.curl("GET", "/coSpaces")[2]).group(1)
    st, _, body = m.curl("POST", "/coSpaces", data)
    t.eq(st, code, "POST coSpaces: %s -> %d" % (name, code))
    t.match(pat, body, "POST coSpaces: %s reason" % name)
    n_after = re.search(r'total="(\d+)"', m.curl("GET", "/coSpaces")[2]).group(1)
    t.eq(n_after, n_before, "POST coSpaces: %s wrote nothing" % name)
st, _, body = m.curl("POST", "/coSpaces", raw_body="name=a&name=b")
t.match(r'parameter="name" error="duplicateParameter"', body, "a parameter given twice -> 400")
st, _, body = m.curl("POST", "/coSpaces", raw_body="name=%zz")
t.eq(st, 400, "bad %-escape -> 400")
st, _, body = m.curl("POST", "/coSpaces", raw_body="name=" + "a" * 3000)
t.eq(st, 413, "a body over max-body -> 413")
st, _, body = m.curl("POST", "/coSpaces", raw_body="name=x", headers=["Transfer-Encoding: chunked"])
t.eq(st, 411, "a chunked body (size unknown before reading) -> 411")
st, _, body = m.curl("PUT", "/coSpaces/" + ids[1], [("uri", "team02")])
t.match(r"<duplicateCoSpaceUri/>", body, "PUT to another space's uri -> duplicateCoSpaceUri")
st, _, body = m.curl("PUT", "/coSpaces/" + ids[1], [("uri", "team01")])
t.eq(st, 200, "PUT with its own uri is fine")
st, _, body = m.curl("GET", "/coSpaces/00000000-0000-4000-8000-000000000000")
t.eq(st, 404, "unknown coSpace id -> 404")
t.match(r"<failureDetails><coSpaceDoesNotExist/></failureDetails>", body, "coSpaceDoesNotExist")
st, _, body = m.curl("GET", "/turnServers/nope")
t.match(r"<turnServerDoesNotExist/>", body, "turnServerDoesNotExist")
st, _, body = m.curl("GET", "/frobs")
t.eq(st, 404, "unknown collection -> 404")
st, _, body = m.curl("PATCH", "/coSpaces")
t.eq(st, 405, "unsupported method -> 405")

# accessMethods
st, h, _ = m.curl("POST", "/coSpaces/%s/accessMethods" % ids[2],
                  [("uri", "team02.guests"), ("callId", "300300"), ("passcode", "999")])
t.eq(st, 200, "POST accessMethod")
t.match(r"^/api/v1/coSpaces/%s/accessMethods/[0-9a-f-]{36}$" % ids[2], h.get("location"), "accessMethod Location")
am = location_id(h)
st, _, body = m.curl("GET", "/coSpaces/%s/accessMethods" % ids[2])
t.match(r'<accessMethods total="1"><accessMethod id="%s">' % am, body, "list accessMethods")
st, _, body = m.curl("POST", "/coSpaces", [("callId", "300300"), ("passcode", "999")])
t.match(r"<duplicateCoSpaceId/>", body, "callId+passcode pairs are unique across spaces and access methods")
st, _, body = m.curl("POST", "/coSpaces/%s/accessMethods" % ids[2], [("callId", "300300"), ("passcode", "777")])
t.eq(st, 200, "the same callId with another passcode: a second access method (host passcode)")
st, _, body = m.curl("GET", "/coSpaces/%s/accessMethods" % ids[2])
t.match(r'<accessMethods total="2">', body, "two access methods on one space")
st, h, _ = m.curl("POST", "/coSpaces/%s/accessMethods" % ids[2], [("callId", "300300"), ("passcode", "777")])
t.eq(st, 400, "the same pair again -> 400 duplicateCoSpaceId")
st, _, body = m.curl("POST", "/coSpaces/%s/accessMethods" % ids[2], [("scope", "public")])
t.match(r'parameter="scope" error="unrecognised"', body, "accessMethod scope is not supported: refused")
st, _, body = m.curl("GET", "/coSpaces/%s/accessMethods/%s" % (ids[3], am))
t.match(r"<accessMethodDoesNotExist/>", body, "accessMethod under the wrong space -> 404")
st, _, body = m.curl("GET", "/coSpaces/%s" % ids[2])
t.match(r"<numAccessMethods>2</numAccessMethods>", body, "numAccessMethods")

# callProfiles, webBridges
st, h, _ = m.curl("POST", "/callProfiles", [("participantLimit", "10")])
t.eq(st, 200, "POST callProfile")
cp = location_id(h)
st, _, body = m.curl("POST", "/callProfiles", [("recordingMode", "manual")])
t.match(r'parameter="recordingMode" error="unrecognised"', body, "recordingMode is not supported: refused")
st, _, body = m.curl("POST", "/callProfiles", [("participantLimit", "0")])
t.match(r'parameter="participantLimit" error="invalidValue"', body, "participantLimit range")
st, _, _ = m.curl("PUT", "/coSpaces/" + ids[4], [("callProfile", cp)])
t.eq(st, 200, "a coSpace may reference an existing callProfile")
st, h, _ = m.curl("POST", "/webBridges", [("url", m.web)])
t.eq(st, 200, "POST webBridge")
wb = location_id(h)
st, _, body = m.curl("GET", "/webBridges/%s/status" % wb)
t.match(r"<status>success</status>", body, "webBridges/<id>/status reaches the running web bridge")
st, h, _ = m.curl("POST", "/webBridges", [("url", "https://127.0.0.1:1")])
st, _, body = m.curl("GET", "/webBridges/%s/status" % location_id(h))
t.match(r"<status>connectionFailure</status>", body, "a dead web bridge URL -> connectionFailure")
st, _, body = m.curl("GET", "/system/alarms")
t.match(r"<type>guestAccountConnectionFailure</type>", body, "... and raises guestAccountConnectionFailure")
st, _, body = m.curl("POST", "/webBridges", [("url", m.web), ("idEntryMode", "secure")])
t.match(r'parameter="idEntryMode" error="unrecognised"', body, "idEntryMode is not supported: refused")

# calls and callLegs (no media yet: created through the API)
st, _, body = m.curl("GET", "/calls")
t.match(r'<calls total="0"/>', body, "no calls")
st, h, _ = m.curl("POST", "/calls", [("coSpace", seed_id)])
t.eq(st, 200, "POST /calls for the seed space")
call = location_id(h)
st, _, body = m.curl("GET", "/calls/" + call)
t.match(r"<call id=\"%s\"><name>Proxy webRTC</name><coSpace>%s</coSpace>" % (call, seed_id), body, "GET call")
st, _, body = m.curl("GET", "/calls/%s/callLegs" % call)
t.match(r'<callLegs total="0"/>', body, "no legs")
st, _, body = m.curl("POST", "/calls", [("coSpace", "00000000-0000-4000-8000-000000000000")])
t.match(r"<coSpaceDoesNotExist/>", body, "POST /calls for an unknown space")
st, _, body = m.curl("GET", "/callLegs/00000000-0000-4000-8000-000000000000")
t.match(r"<callLegDoesNotExist/>", body, "unknown callLeg -> callLegDoesNotExist")
st, _, _ = m.curl("DELETE", "/calls/" + call)
t.eq(st, 200, "DELETE call")
st, _, body = m.curl("GET", "/calls/" + call)
t.match(r"<callDoesNotExist/>", body, "deleted call is gone")

# system
st, _, body = m.curl("GET", "/system/status")
for tag in ("softwareVersion", "uptimeSeconds", "callLegsActive", "callLegsMaxActive", "callLegsCompleted"):
    t.match(r"<%s>[^<]+</%s>" % (tag, tag), body, "system/status has %s" % tag)
st, _, body = m.curl("GET", "/system/log?limit=1000")
t.match(r"API: created coSpace", body, "system/log shows API changes")

# delete
st, _, _ = m.curl("DELETE", "/coSpaces/" + ids[2])
t.eq(st, 200, "DELETE coSpace")
st, _, body = m.curl("GET", "/coSpaces/%s/accessMethods/%s" % (ids[2], am))
t.eq(st, 404, "its access methods went with it")
st, _, body = m.curl("POST", "/coSpaces", [("callId", "300300")])
t.eq(st, 200, "and their call ID is free again")

st, _, _ = m.curl("DELETE", "/coSpaces")
t.eq(st, 200, "DELETE /coSpaces (collection level, as the vendor allows)")
st, _, body = m.curl("GET", "/coSpaces")
t.match(r'<coSpaces total="0"/>', body, "no spaces left")
st, _, body = m.curl("GET", "/turnServers")
t.match(r'<turnServers total="1">', body, "other collections untouched")

# ---- authentication ----
st, h, _ = m.curl("GET", "/coSpaces", user=None)
t.eq(st, 401, "no credentials -> 401")
t.match(r"Basic", h.get("www-authenticate", ""), "WWW-Authenticate: Basic")
st, _, _ = m.curl("GET", "/coSpaces", password="wrong")
t.eq(st, 401, "wrong password -> 401")
st, _, _ = m.curl("GET", "/coSpaces", user="nobody")
t.eq(st, 401, "unknown user -> 401")
st, _, _ = m.curl("GET", "/coSpaces", password="wrong")
st, _, _ = m.curl("GET", "/coSpaces", password="wrong")
st, _, _ = m.curl("GET", "/coSpaces", password="wrong")
t.eq(st, 429, "after auth-attempts failures the client is refused (429)")
st, _, _ = m.curl("GET", "/coSpaces")
t.eq(st, 429, "... even with the right password until the window passes")
log = m.read_log()
t.ok("integration-pw-1" not in log and "cisco" not in log, "no password in the log")
t.match(r"API: authentication failure from 127\.0\.0\.1", log, "auth failures logged with the client")
with open(m.conf.replace("meet.conf", "state/meet.db"), "rb") as f:
    t.ok(b"integration-pw-1" not in f.read(), "no clear password in the database")

t.eq(m.stop(), 0, "portico meet exits 0 on SIGTERM (sanitizers clean)")
t.done()
