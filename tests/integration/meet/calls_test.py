#!/usr/bin/env python3
"""Call control over the REST API as the vendor's clients send it (curl,
form bodies): callLegProfiles, the host and guest passcodes of one call
ID leading to their own access methods, PUT/POST on calls, participants
and callLegs, with the vendor's failure bodies."""
import json

from meetlib import Meet, Procs, Tap, location_id

t = Tap()
procs = Procs()
m = Meet(procs).start()


def guest(path, data):
    st, _, body = m.curl("POST", "", data, user=None, url=m.web + path)
    try:
        return st, json.loads(body)
    except ValueError:
        return st, {"raw": body}


st, h, _ = m.curl("POST", "/callLegProfiles", [("name", "guests"), ("needsActivation", "true"),
                                               ("deactivationMode", "disconnect"),
                                               ("chatContributionAllowed", "false")])
t.eq(st, 200, "POST callLegProfiles")
guests = location_id(h)
st, h, _ = m.curl("POST", "/callLegProfiles", [("name", "hosts"), ("needsActivation", "false")])
hosts = location_id(h)
st, _, body = m.curl("GET", "/callLegProfiles/" + guests)
t.ok(st == 200 and "<needsActivation>true</needsActivation>" in body and
     "<deactivationMode>disconnect</deactivationMode>" in body, "GET callLegProfile", body)
st, _, body = m.curl("POST", "/callLegProfiles", [("deactivationMode", "vanish")])
t.ok(st == 400 and 'parameter="deactivationMode"' in body, "bad deactivationMode: 400 parameterError", body)

st, h, _ = m.curl("POST", "/coSpaces", [("name", "Lobby room"), ("uri", "lobby.room"),
                                        ("callLegProfile", guests)])
space = location_id(h)
t.eq(st, 200, "coSpace with a callLegProfile")
st, h, _ = m.curl("POST", "/coSpaces/%s/accessMethods" % space,
                  [("callId", "555100"), ("passcode", "1111"), ("callLegProfile", hosts)])
t.eq(st, 200, "host access method")
st, h, _ = m.curl("POST", "/coSpaces/%s/accessMethods" % space,
                  [("callId", "555100"), ("passcode", "2222"), ("callLegProfile", guests)])
t.eq(st, 200, "guest access method, same call ID")

st, r = guest("/api/guest/resolve", [("callId", "555100"), ("passcode", "1111")])
t.eq((st, r.get("spaceName")), (200, "Lobby room"), "host passcode resolves")
st, r = guest("/api/guest/resolve", [("callId", "555100"), ("passcode", "2222")])
t.eq((st, r.get("spaceName")), (200, "Lobby room"), "guest passcode on the same call ID resolves")
st, r = guest("/api/guest/resolve", [("callId", "555100"), ("passcode", "3333")])
t.ok(r.get("status") == "badPasscode" or st in (401, 403), "a third passcode is refused", r)

st, h, _ = m.curl("POST", "/calls", [("coSpace", space)])
call = location_id(h)
t.eq(st, 200, "POST calls starts the space's call")
st, _, _ = m.curl("PUT", "/calls/" + call, [("locked", "true")])
t.eq(st, 200, "PUT calls locked=true")
st, _, body = m.curl("GET", "/calls/" + call)
t.ok("<locked>true</locked>" in body, "the call shows locked", body)
st, _, body = m.curl("PUT", "/calls/" + call, [("locked", "maybe")])
t.ok(st == 400 and 'parameter="locked"' in body, "locked=maybe: 400", body)
st, _, body = m.curl("PUT", "/calls/" + call, [("recording", "true")])
t.ok(st == 400 and 'parameter="recording"' in body, "an unsupported call parameter: 400, not ignored", body)
st, _, body = m.curl("PUT", "/calls/00000000-0000-4000-8000-000000000000", [("locked", "true")])
t.ok(st == 404 and "callDoesNotExist" in body, "PUT an unknown call: 404", body)

st, _, _ = m.curl("PUT", "/calls/%s/participants/*" % call, [("rxAudioMute", "true")])
t.eq(st, 200, "PUT calls/<id>/participants/* (no legs yet)")
st, _, body = m.curl("POST", "/calls/%s/participants" % call, [("remoteParty", "sip:bob@example.com")])
t.ok(st == 400 and 'parameter="remoteParty"' in body, "POST participants: 400, no dial-out", body)
st, _, body = m.curl("PUT", "/callLegs/00000000-0000-4000-8000-000000000000", [("rxAudioMute", "true")])
t.ok(st == 404 and "callLegDoesNotExist" in body, "PUT an unknown leg: 404", body)
st, _, body = m.curl("PUT", "/callLegs/00000000-0000-4000-8000-000000000000", [("chosenLayout", "sideways")])
t.ok(st == 400 and 'parameter="chosenLayout"' in body, "a bad chosenLayout: 400 before the lookup", body)

st, _, body = m.curl("GET", "/calls/%s/participants" % call)
t.ok(st == 200 and '<participants total="0"' in body, "calls/<id>/participants: participants, not legs", body)
st, _, body = m.curl("GET", "/participants/00000000-0000-4000-8000-000000000000/callLegs")
t.ok(st == 404 and "participantDoesNotExist" in body, "participants/<unknown>/callLegs: 404", body)
st, _, body = m.curl("GET", "/calls/00000000-0000-4000-8000-000000000000/participants")
t.eq(st, 404, "participants of an unknown call: 404")

st, _, _ = m.curl("DELETE", "/calls/" + call)
t.eq(st, 200, "DELETE the call")
st, _, _ = m.curl("GET", "/calls/" + call)
t.eq(st, 404, "the call is gone")

m.stop()
procs.cleanup()
t.done()
