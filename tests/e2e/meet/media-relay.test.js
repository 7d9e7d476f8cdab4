// Media through TURN only, as in the seed: browsers get iceServers built
// from the turnServers entry's clientAddress and iceTransportPolicy
// "relay"; the SFU allocates its own relay candidates on serverAddress and
// offers no host candidates.  Then the seed's fourth failure: a wrong TURN
// password gives no media, "ICE failure; relay candidate creation timeout"
// in the meeting server's log, "integrity check failed" for the user in the
// TURN log and the turnServerUnavailable alarm; PUT of the right password
// makes the next join work.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser, freePort } = require('../lib/meet.js');
const { startTurn } = require('../lib/turn.js');
const { joinAs, waitFor, WAIT } = require('../lib/media.js');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MEDIA = `[media]
host-candidates = no
addresses = 127.0.0.1
browser-relay-only = yes
relay-timeout-ms = 5000
ice-timeout-ms = 15000
`;

async function selectedPair(page) {
  return page.evaluate(async () => {
    const stats = await window.porticoPc.getStats();
    let pair = null; const cands = {};
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      if (s.type === 'local-candidate' || s.type === 'remote-candidate') cands[s.id] = s;
    });
    return pair ? { local: cands[pair.localCandidateId].candidateType, remote: cands[pair.remoteCandidateId].candidateType,
      protocol: cands[pair.localCandidateId].relayProtocol } : null;
  });
}

async function flowing(page) {
  const first = await waitFor(page, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0);
  await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded &&
    s.audio.packetsReceived > first.audio.packetsReceived);
}

async function addTurn(meet, port, password, tcpPort = null) {
  const body = new URLSearchParams({ serverAddress: '127.0.0.1', clientAddress: '127.0.0.1', username: 'turnuser',
    password, type: 'standard', ...(tcpPort ? { tcpPortNumberOverride: String(tcpPort) } : {}) }).toString();
  const r = await meet.api('/turnServers', { method: 'POST', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.strictEqual(r.status, 200, r.body);
  return /turnServers\/([0-9a-f-]+)/.exec(r.headers.location)[1];
}

const REST_SECRET = 'e2e-rest-secret-0123456789';

// udpPort: the UDP port meet uses for TURN (default: the server's).
async function withSetup(fn, rest = false, udpPort = null) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-turn-'));
  let turn, meet, browser;
  try {
    turn = await startTurn(dir, { turnuser: 'cisco' }, rest ? `auth-secret = ${REST_SECRET}\n` : '');
    meet = await startMeet({ extra: MEDIA + (rest ? `browser-rest-secret = ${REST_SECRET}\n` : ''),
      cbExtra: `turn-udp-port = ${udpPort || turn.port}\n` });
    browser = await launchBrowser([meet.web.spki], { media: true });
    await fn(turn, meet, browser);
  } catch (e) {
    e.message += '\n--- meet log ---\n' + (meet ? meet.log() : '') + '\n--- turn log ---\n' + (turn ? turn.log() : '');
    throw e;
  } finally {
    if (browser) await browser.close();
    if (meet) await meet.stop();
    if (turn) await turn.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('relay only: browsers and the SFU meet on portico turn', () => withSetup(async (turn, meet, browser) => {
  await addTurn(meet, turn.port, 'cisco');
  const alice = await browser.context.newPage();
  await joinAs(alice, meet.webUrl, 'Alice');
  const bob = await browser.context.newPage();
  await joinAs(bob, meet.webUrl, 'Bob');
  for (const page of [alice, bob]) {
    await flowing(page);
    // Both ends of the selected pair are relayed candidates.
    const pair = await selectedPair(page);
    assert.deepStrictEqual([pair.local, pair.remote], ['relay', 'relay']);
  }
  // Two allocations for turnuser (the SFU's legs, serverAddress with the
  // entry's credentials) and two for the browsers with ephemeral TURN REST
  // credentials (browser-rest-secret): "<expiry>:<guest JID>".
  assert.ok((turn.log().match(/allocation created: user=turnuser /g) || []).length >= 2, turn.log());
  assert.ok((turn.log().match(/allocation created: user=\d+:guest\d+@cms\.octavio\.local /g) || []).length >= 2, turn.log());
}, true));

test('the seed\'s fourth failure: wrong TURN password, then fixed by PUT', () => withSetup(async (turn, meet, browser) => {
  const id = await addTurn(meet, turn.port, 'wrong-password');
  const alice = await browser.context.newPage();
  await joinAs(alice, meet.webUrl, 'Alice');
  await alice.locator('#call-status', { hasText: 'could not connect' }).waitFor(WAIT);
  for (let i = 0; !/call \d+: ICE failure; relay candidate creation timeout/.test(meet.log()); i++) {
    assert.ok(i < 200, meet.log());
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(turn.log(), /integrity check failed: password does not match: user="turnuser"/);
  const alarms = await meet.api('/system/alarms');
  assert.match(alarms.body, new RegExp(`<type>turnServerUnavailable</type>.*<turnServer>${id}</turnServer>`));
  const legs = await meet.api('/callLegs');
  const leg = /<callLeg id="([^"]+)"/.exec(legs.body)[1];
  assert.match((await meet.api('/callLegs/' + leg)).body, /<encryptedMedia>false<\/encryptedMedia>/);
  await alice.click('#leave');

  // The operator fixes the password; the next join gets media.
  const put = await meet.api('/turnServers/' + id, { method: 'PUT', body: 'password=cisco',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.strictEqual(put.status, 200);
  const bob = await browser.context.newPage();
  await joinAs(bob, meet.webUrl, 'Bob');
  const carol = await browser.context.newPage();
  await joinAs(carol, meet.webUrl, 'Carol');
  await flowing(bob);
  await flowing(carol);
  const cleared = await meet.api('/system/alarms');
  assert.doesNotMatch(cleared.body, /turnServerUnavailable/);
}));

test('TURN over TCP (tcpPortNumberOverride) when UDP to the TURN server is blocked', async () => {
  const deadUdp = await freePort();   // nothing listens there: UDP allocations go unanswered
  await withSetup(async (turn, meet, browser) => {
    await addTurn(meet, turn.port, 'cisco', turn.port);
    const alice = await browser.context.newPage();
    await joinAs(alice, meet.webUrl, 'Alice');
    const bob = await browser.context.newPage();
    await joinAs(bob, meet.webUrl, 'Bob');
    for (const page of [alice, bob]) {
      await flowing(page);
      assert.deepStrictEqual(await selectedPair(page), { local: 'relay', remote: 'relay', protocol: 'tcp' });
    }
    // The SFU's own relays came over TCP too.
    assert.ok((turn.log().match(/allocation created: user=turnuser client=tcp:/g) || []).length >= 2, turn.log());
  }, false, deadUdp);
});
