// Reconnect: when the signalling WebSocket drops (closed from the page
// through the ?test=1 hook, as a network failure would), the page rejoins
// by itself and media flows again; a reload rejoins the call too; without
// ?test=1 the hook does not exist.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { WAIT, join, selfListed, tile, until, received } = require('../lib/guest.js');

test('the page reconnects after the WebSocket drops, and a reload rejoins', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const bob = await browser.context.newPage();
    await join(bob, meet.webUrl, 'Bob');
    assert.strictEqual(await bob.evaluate(() => typeof window.__porticoTest), 'undefined');
    const alice = await browser.context.newPage();
    await join(alice, meet.webUrl, 'Alice', { query: '&test=1' });
    await tile(alice, 'Bob').waitFor(WAIT);
    await until(alice, received, (s) => s.frames > 0, 'Alice decodes Bob');

    const legs = async () => [...(await meet.api('/callLegs')).body.matchAll(/<callLeg id="([^"]+)"><name>Alice/g)].map((m) => m[1]);
    const before = await legs();
    assert.strictEqual(before.length, 1);
    await alice.evaluate(() => window.__porticoTest.dropSignal());
    // Back in the call on a new call leg, without doing anything.
    await until(alice, legs, (l) => l.length === 1 && l[0] !== before[0], 'a new call leg for Alice');
    await selfListed(alice, 'Alice');
    await tile(alice, 'Bob').waitFor(WAIT);
    const first = await until(alice, received, (s) => s.frames > 0, 'Alice decodes Bob again');
    await until(alice, received, (s) => s.frames > first.frames, 'Alice keeps decoding Bob');
    await tile(bob, 'Alice').waitFor(WAIT);
    await until(bob, received, (s) => s.frames > 0, 'Bob decodes Alice again');

    // A reload rejoins the call.
    const second = await legs();
    await alice.reload();
    await selfListed(alice, 'Alice');
    await until(alice, legs, (l) => l.length === 1 && l[0] !== second[0], 'a call leg after the reload');
    await until(alice, received, (s) => s.frames > 0, 'Alice decodes Bob after the reload');
    assert.match(await bob.locator('#count').textContent(), /^2$/);
  } finally {
    await browser.close();
    await meet.stop();
  }
});
