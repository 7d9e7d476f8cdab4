// Before joining: the name screen shows a self-view preview of the camera
// and lets the guest choose camera and microphone from enumerateDevices();
// the chosen camera is the one the call sends, and the other guest
// decodes it.  Labels in EN and FR.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { WAIT, NAMES, toNameScreen, joinFromName, join, tile, until, received } = require('../lib/guest.js');

const playing = (video) => video.evaluate((v) => new Promise((resolve) => {
  const ok = () => v.videoWidth > 0 && v.srcObject && v.srcObject.active;
  if (ok()) resolve(true); else v.addEventListener('resize', () => resolve(ok()), { once: true });
}));

test('camera preview and device choice before joining', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true, fakeDevices: 3 });
  try {
    const alice = await browser.context.newPage();
    // French labels first.
    await toNameScreen(alice, meet.webUrl, { lang: 'fr' });
    const camFr = alice.getByRole('combobox', { name: NAMES.fr.camera, exact: true });
    await alice.getByRole('combobox', { name: NAMES.fr.microphone, exact: true }).waitFor(WAIT);
    await until(alice, () => camFr.locator('option').count(), (n) => n === 3, 'three cameras listed');

    await toNameScreen(alice, meet.webUrl, { lang: 'en' });
    const cam = alice.getByRole('combobox', { name: NAMES.en.camera, exact: true });
    const mic = alice.getByRole('combobox', { name: NAMES.en.microphone, exact: true });
    await until(alice, () => cam.locator('option').count(), (n) => n === 3, 'three cameras listed');
    assert.ok(await mic.locator('option').count() >= 1);
    // The lists are what enumerateDevices() reports, with their labels.
    const listed = await alice.evaluate(async () => (await navigator.mediaDevices.enumerateDevices())
      .filter((d) => d.kind === 'videoinput').map((d) => ({ id: d.deviceId, label: d.label })));
    assert.deepStrictEqual(await cam.locator('option').evaluateAll((os) => os.map((o) => ({ id: o.value, label: o.textContent }))), listed);

    const preview = alice.getByRole('figure', { name: 'Camera preview' }).locator('video');
    assert.ok(await playing(preview));
    const previewDevice = () => preview.evaluate((v) => v.srcObject && v.srcObject.getVideoTracks()[0].getSettings().deviceId);
    assert.strictEqual(await previewDevice(), listed[0].id);

    // Choose another camera (chromium's third fake camera: its second
    // is a Y16 depth camera, which WebRTC does not encode): the preview follows.
    await cam.selectOption(listed[2].id);
    await until(alice, previewDevice, (id) => id === listed[2].id, 'preview on the chosen camera');
    assert.ok(await playing(preview));

    // The call sends the chosen camera, and the old preview tracks are gone.
    await joinFromName(alice, 'Alice');
    const sent = () => alice.evaluate(() => window.porticoPc && window.porticoPc.getSenders()
      .filter((s) => s.track && s.track.kind === 'video').map((s) => s.track.getSettings().deviceId));
    await until(alice, sent, (ids) => ids && ids.length === 1 && ids[0] === listed[2].id, 'the chosen camera is sent');

    const bob = await browser.context.newPage();
    await join(bob, meet.webUrl, 'Bob');
    await tile(bob, 'Alice').waitFor(WAIT);
    const first = await until(bob, received, (s) => s.frames > 0, 'Bob decodes Alice');
    await until(bob, received, (s) => s.frames > first.frames, 'Bob keeps decoding Alice');
    assert.ok(await playing(tile(bob, 'Alice').locator('video')));
  } finally {
    await browser.close();
    await meet.stop();
  }
});
