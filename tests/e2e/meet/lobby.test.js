// The lobby and the host's controls with two guests on one call ID: the
// guest passcode's access method has a callLegProfile with
// needsActivation=true, the host passcode's one does not.  The guest waits
// ("Waiting for the host to join", no media), is let in when the host
// joins, the host's "Mute" stops the guest's audio reaching the host (the
// host's own getStats: audio bytes received stop growing) and the guest's
// page says so, "Lock" refuses a new guest, then "Remove" drops the guest, and DELETE of the call
// ends the meeting for the host ("The meeting has ended", FR checked too).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { WAIT, NAMES, joinFromName, until } = require('../lib/guest.js');

const form = (o) => new URLSearchParams(o).toString();
const idOf = (r) => String(r.headers.location || '').split('/').pop();

async function post(meet, path, o, method = 'POST') {
  const r = await meet.api(path, { method, body: form(o),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.strictEqual(r.status, 200, `${method} ${path}: ${r.body}`);
  return idOf(r);
}

async function enter(page, base, passcode, name, lang = 'en') {
  const n = NAMES[lang];
  await page.goto(base + '/?lang=' + lang);
  await page.getByRole('button', { name: n.joinCall }).click(WAIT);
  await page.getByRole('textbox', { name: n.callId }).fill('700700');
  await page.locator('#passcode').fill(passcode);
  await page.getByRole('button', { name: n.continue }).click();
  await joinFromName(page, name, { lang });
}

async function received(page) {
  return page.evaluate(async () => {
    const n = { audio: 0, frames: 0 };
    if (window.porticoPc) (await window.porticoPc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') n.audio += s.bytesReceived || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'video') n.frames += s.framesDecoded || 0;
    });
    return n;
  });
}

// Audio bytes received while the host decodes 15 more video frames of the
// guest (whose video is not muted): a window measured in media, not time.
async function audioGrowth(page) {
  const a = await received(page);
  let b = a;
  for (let i = 0; i < 5000 && b.frames < a.frames + 15; i++) {
    await new Promise((r) => setImmediate(r));
    b = await received(page);
  }
  assert.ok(b.frames >= a.frames + 15, "the guest's video keeps arriving at the host");
  return b.audio - a.audio;
}

test('lobby, host mute, remove, meeting ended', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const wait = await post(meet, '/callLegProfiles', { name: 'guests', needsActivation: 'true' });
    const host = await post(meet, '/callLegProfiles', { name: 'hosts', needsActivation: 'false' });
    const space = await post(meet, '/coSpaces', { name: 'Board', uri: 'board.lobby' });
    await post(meet, `/coSpaces/${space}/accessMethods`, { callId: '700700', passcode: '1111', callLegProfile: host });
    await post(meet, `/coSpaces/${space}/accessMethods`, { callId: '700700', passcode: '2222', callLegProfile: wait });

    const guest = await browser.context.newPage();
    await enter(guest, meet.webUrl, '2222', 'Guest');
    await guest.getByRole('status').filter({ hasText: 'Waiting for the host to join' }).waitFor(WAIT);
    assert.strictEqual((await received(guest)).audio, 0, 'no media while waiting');

    const hostPage = await browser.context.newPage();
    await enter(hostPage, meet.webUrl, '1111', 'Host', 'fr');
    // Admitted without doing anything: the host receives the guest's audio.
    await until(hostPage, audioGrowth, (n) => n > 0, "the guest's audio reaches the host");
    await guest.getByRole('status').filter({ hasText: 'Connected' }).waitFor(WAIT);

    // Host controls by role and French name; the guest has none.
    await hostPage.getByRole('button', { name: 'Couper tous les micros' }).waitFor(WAIT);
    await hostPage.getByRole('button', { name: 'Verrouiller la réunion' }).waitFor(WAIT);
    assert.strictEqual(await guest.getByRole('button', { name: 'Mute all' }).count(), 0);
    await hostPage.getByRole('button', { name: 'Couper le micro Guest' }).click();
    await guest.getByRole('status').filter({ hasText: 'You were muted by the host' }).waitFor(WAIT);
    await until(hostPage, audioGrowth, (n) => n === 0, "the guest's audio stops reaching the host");

    // Lock: the server records it (the API shows it), a new guest is refused.
    await hostPage.getByRole('button', { name: 'Verrouiller la réunion' }).click();
    await hostPage.getByRole('button', { name: 'Déverrouiller la réunion' }).waitFor(WAIT);
    const call = /<call id="([^"]+)"/.exec((await meet.api('/calls')).body)[1];
    for (let i = 0; !(await meet.api('/calls/' + call)).body.includes('<locked>true</locked>'); i++) {
      assert.ok(i < 100, 'the call becomes locked');
      await hostPage.waitForTimeout(100);
    }
    const late = await browser.context.newPage();
    await late.goto(meet.webUrl + '/?lang=en');
    await late.getByRole('button', { name: NAMES.en.joinCall }).click(WAIT);
    await late.getByRole('textbox', { name: NAMES.en.callId }).fill('700700');
    await late.locator('#passcode').fill('2222');
    await late.getByRole('button', { name: NAMES.en.continue }).click();
    await late.getByRole('textbox', { name: NAMES.en.yourName }).fill('Late');
    await late.getByRole('button', { name: NAMES.en.joinCall }).click();
    await late.getByRole('status').filter({ hasText: 'This meeting is locked' }).waitFor(WAIT);

    await hostPage.getByRole('button', { name: 'Retirer Guest' }).click();
    await guest.getByRole('status').filter({ hasText: 'removed from the meeting' }).waitFor(WAIT);

    const del = await meet.api('/calls/' + call, { method: 'DELETE' });
    assert.strictEqual(del.status, 200);
    await hostPage.getByRole('status').filter({ hasText: 'La réunion est terminée.' }).waitFor(WAIT);
  } finally {
    await browser.close();
    await meet.stop();
  }
});
