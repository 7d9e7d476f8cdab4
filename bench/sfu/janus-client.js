/* Browser side of bench/sfu for Janus: a minimal VideoRoom client over the
 * HTTP API (no janus.js), non-trickle (the SDP carries every candidate).
 * window.benchJanus.publish(url, room) / .subscribe(url, room) resolve once
 * negotiation is done; window.porticoPc is the RTCPeerConnection, as in
 * portico's page, so the same getStats() code reads both. */
'use strict';
window.benchJanus = (function () {
  let seq = 0;
  const tx = () => 'b' + (++seq);
  async function post(url, body) {
    const r = await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: tx(), ...body }) });
    return r.json();
  }
  async function session(url) {
    const s = await post(url, { janus: 'create' });
    const sid = s.data.id;
    const h = await post(`${url}/${sid}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    const events = [];
    let waiters = [], polling = true;
    /* Long poll only while negotiating: Chromium allows 6 connections per
     * host, and the bench opens more pages than that (the session timeout
     * is off in the bench's janus.jcfg). */
    (async function poll() {
      while (polling) {
        let evs;
        try { evs = await (await fetch(`${url}/${sid}?maxev=10&rid=${Date.now()}`)).json(); } catch (e) { return; }
        for (const ev of Array.isArray(evs) ? evs : [evs]) {
          events.push(ev);
          waiters = waiters.filter((w) => !(w.pred(ev) && (w.resolve(ev), true)));
        }
      }
    })();
    const wait = (pred) => new Promise((resolve) => {
      const hit = events.find(pred);
      if (hit) resolve(hit); else waiters.push({ pred, resolve });
    });
    return { base: `${url}/${sid}/${h.data.id}`, wait, stop: () => { polling = false; } };
  }
  function gathered(pc) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    });
  }
  async function publish(url, room) {
    const s = await session(url);
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    media.getTracks().forEach((t) => pc.addTrack(t, media));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    await post(s.base, { janus: 'message', body: { request: 'joinandconfigure', ptype: 'publisher', room,
      display: 'publisher', audio: true, video: true }, jsep: { type: 'offer', sdp: pc.localDescription.sdp } });
    const ev = await s.wait((e) => e.jsep && e.jsep.type === 'answer');
    await pc.setRemoteDescription(ev.jsep);
    s.stop();
    window.porticoPc = pc;
    return ev.plugindata.data.id;
  }
  async function subscribe(url, room, feed) {
    const s = await session(url);
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.ontrack = () => {};
    await post(s.base, { janus: 'message', body: { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] } });
    const ev = await s.wait((e) => e.jsep && e.jsep.type === 'offer');
    await pc.setRemoteDescription(ev.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await post(s.base, { janus: 'message', body: { request: 'start', room },
      jsep: { type: 'answer', sdp: pc.localDescription.sdp } });
    s.stop();
    window.porticoPc = pc;
  }
  return { publish, subscribe };
})();
