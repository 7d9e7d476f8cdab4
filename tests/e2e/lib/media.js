// Helpers for the media tests: join as a guest, read inbound RTP stats from
// the page's RTCPeerConnection, wait (bounded) for a condition on them.
'use strict';

const WAIT = { timeout: 30000 };

async function joinAs(page, base, name, callId = '100101', query = '') {
  await page.goto(base + '/?lang=en' + query);
  await page.locator('#join-call').waitFor({ state: 'visible', ...WAIT });
  await page.click('#join-call');
  await page.fill('#call-id', callId);
  await page.click('#continue');
  await page.locator('#space-name').filter({ hasText: 'Proxy webRTC' }).waitFor(WAIT);
  await page.fill('#display-name', name);
  await page.click('#join');
  await page.locator('#participants li.self', { hasText: name }).waitFor(WAIT);
}

// Sums of inbound-rtp counters per kind, and per remote stream (track id).
async function inbound(page) {
  return page.evaluate(async () => {
    const out = { video: { framesDecoded: 0, n: 0 }, audio: { packetsReceived: 0, n: 0 }, perTrack: {} };
    const pc = window.porticoPc;
    if (!pc) return out;
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') { out.video.framesDecoded += s.framesDecoded || 0; out.video.n++; }
      if (s.kind === 'audio') { out.audio.packetsReceived += s.packetsReceived || 0; out.audio.n++; }
      out.perTrack[s.trackIdentifier || s.id] = { kind: s.kind, frames: s.framesDecoded || 0, packets: s.packetsReceived || 0 };
    });
    return out;
  });
}

// Polls inbound() until pred holds; bounded by the deadline, not a rate.
async function waitFor(page, pred, ms = 45000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await inbound(page);
    if (pred(last)) return last;
    if (Date.now() > end) throw new Error('media condition not met; last stats ' + JSON.stringify(last));
    await new Promise((r) => setTimeout(r, 250));
  }
}

module.exports = { joinAs, inbound, waitFor, WAIT };
