// The guest's own controls during a call, with their effect checked from
// what the other page receives and shows: "Mute microphone" (aria-pressed,
// then "Unmute microphone") silences the audio the other guest decodes,
// "Turn camera off" turns the other guest's tile black, both come back;
// "Leave" says so and "Rejoin" brings the guest back.  Self-view and tiles.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { WAIT, NAMES, join, selfListed, tile, until, received, luma } = require('../lib/guest.js');

// Audio energy Bob decodes over the next second of received samples
// (a window measured in samples, not in wall-clock time).
async function energyWindow(page) {
  const a = await received(page);
  const b = await until(page, received, (s) => s.samples >= a.samples + 48000, 'a second of audio');
  return b.energy - a.energy;
}

test('mute, camera off, leave and rejoin, seen from the other guest', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const alice = await browser.context.newPage();
    await join(alice, meet.webUrl, 'Alice');
    const bob = await browser.context.newPage();
    await join(bob, meet.webUrl, 'Bob');
    const aliceOnBob = tile(bob, 'Alice');
    await aliceOnBob.waitFor(WAIT);
    // Self-view and the remote tile: both visible, side by side.
    await tile(bob, 'Bob (you)').waitFor(WAIT);
    const [r, s] = [await aliceOnBob.boundingBox(), await tile(bob, 'Bob (you)').boundingBox()];
    assert.ok(r.width > 0 && s.width > 0 && (r.x + r.width <= s.x || s.x + s.width <= r.x || r.y + r.height <= s.y));
    await until(bob, () => luma(aliceOnBob), (l) => l > 20, "Alice's video on Bob's page");
    await until(bob, energyWindow, (e) => e > 1e-3, "Alice's audio on Bob's page");

    const mute = alice.getByRole('button', { name: NAMES.en.mute, exact: true });
    await mute.click();
    const unmute = alice.getByRole('button', { name: NAMES.en.unmute, exact: true });
    assert.strictEqual(await unmute.getAttribute('aria-pressed'), 'true');
    await until(bob, energyWindow, (e) => e < 1e-5, "Bob's received audio goes silent");
    await unmute.click();
    assert.strictEqual(await mute.getAttribute('aria-pressed'), 'false');
    await until(bob, energyWindow, (e) => e > 1e-3, "Bob's received audio comes back");

    await alice.getByRole('button', { name: NAMES.en.cameraOff, exact: true }).click();
    const on = alice.getByRole('button', { name: NAMES.en.cameraOn, exact: true });
    assert.strictEqual(await on.getAttribute('aria-pressed'), 'true');
    await until(bob, () => luma(aliceOnBob), (l) => l >= 0 && l < 5, "Alice's tile goes black on Bob's page");
    await on.click();
    await until(bob, () => luma(aliceOnBob), (l) => l > 20, "Alice's video comes back on Bob's page");

    // French labels of the same toggles.
    await alice.getByRole('button', { name: NAMES.en.lang }).click();
    await alice.getByRole('button', { name: NAMES.fr.mute, exact: true }).click();
    await alice.getByRole('button', { name: NAMES.fr.unmute, exact: true }).click();
    await alice.getByRole('button', { name: NAMES.fr.cameraOff, exact: true }).waitFor(WAIT);
    await alice.getByRole('button', { name: NAMES.fr.lang }).click();

    // Leave: Alice's page says so and Bob's drops her; Rejoin brings her back.
    await alice.getByRole('button', { name: NAMES.en.leave, exact: true }).click();
    await alice.getByRole('status').filter({ hasText: NAMES.en.left }).waitFor(WAIT);
    await aliceOnBob.waitFor({ state: 'detached', ...WAIT });
    await alice.getByRole('button', { name: NAMES.en.rejoin }).click();
    await selfListed(alice, 'Alice');
    await aliceOnBob.waitFor(WAIT);
    await until(bob, () => luma(aliceOnBob), (l) => l > 20, "rejoined Alice's video on Bob's page");
  } finally {
    await browser.close();
    await meet.stop();
  }
});
