// Four guests: each page receives the three others (three remote video
// tracks with frames decoded, three remote audio tracks with packets); the
// in-call page's controls (mute, stop camera), the participant count and
// the active-speaker highlight; an ICE restart (as on a network change)
// keeps media flowing without rejoining; DELETE of a call leg drops that
// guest's tile on every other page.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { joinAs, waitFor, WAIT } = require('../lib/media.js');

// Remote tracks that are live: video with frames decoded, audio with packets.
function live(s, kind) {
  return Object.values(s.perTrack).filter((t) => t.kind === kind && (kind === 'video' ? t.frames > 0 : t.packets > 0)).length;
}

test('four guests each receive the three others', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 2\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  const names = ['Alice', 'Bob', 'Carol', 'Dave'];
  try {
    const pages = [];
    for (const n of names) {
      const p = await browser.context.newPage();
      await joinAs(p, meet.webUrl, n);
      pages.push(p);
    }
    for (const [i, page] of pages.entries()) {
      for (const other of names.filter((n) => n !== names[i]))
        await page.locator('.tile', { hasText: other }).waitFor(WAIT);
      const first = await waitFor(page, (s) => live(s, 'video') === 3 && live(s, 'audio') === 3);
      await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded);
      assert.strictEqual(await page.locator('#count').textContent(), '4');
    }

    // Some tile is marked as the active speaker (audio level header).
    await pages[0].locator('.tile.speaking').first().waitFor(WAIT);

    // Mute and stop camera act on the local tracks and the buttons say so.
    const alice = pages[0];
    await alice.click('#mute');
    await alice.click('#camera');
    await alice.locator('#mute', { hasText: 'Unmute' }).waitFor(WAIT);
    await alice.locator('#camera', { hasText: 'Start camera' }).waitFor(WAIT);
    assert.deepStrictEqual(await alice.evaluate(() => window.porticoPc.getSenders()
      .filter((s) => s.track).map((s) => [s.track.kind, s.track.enabled]).sort()), [['audio', false], ['video', false]]);
    await alice.click('#mute');
    await alice.click('#camera');

    // ICE restart, as when the guest's network changes: new ICE
    // credentials in a new offer, media continues on the same call leg.
    const bob = pages[1];
    const ufrag = () => bob.evaluate(() => /a=ice-ufrag:(\S+)/.exec(window.porticoPc.remoteDescription.sdp)[1]);
    const before = await ufrag();
    await bob.evaluate(() => window.dispatchEvent(new Event('online')));
    for (let i = 0; (await ufrag()) === before; i++) {
      assert.ok(i < 200, 'no ICE restart offer');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await waitFor(bob, (s) => s.video.framesDecoded > 0);
    await waitFor(bob, (s) => s.video.framesDecoded > after.video.framesDecoded);
    assert.match(meet.log(), /ICE restart requested by guest\d+/);

    // DELETE Dave's call leg: every other page drops his tile.
    const legs = await meet.api('/callLegs?filter=Dave');
    const dave = /<callLeg id="([^"]+)"/.exec(legs.body)[1];
    assert.strictEqual((await meet.api('/callLegs/' + dave, { method: 'DELETE' })).status, 200);
    for (const page of pages.slice(0, 3)) {
      await page.locator('.tile', { hasText: 'Dave' }).waitFor({ state: 'detached', ...WAIT });
      assert.strictEqual(await page.locator('#count').textContent(), '3');
    }
    await pages[3].locator('#call-status', { hasText: 'disconnected' }).waitFor(WAIT);
  } finally {
    await browser.close();
    await meet.stop();
  }
});
