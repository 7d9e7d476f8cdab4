// The seed's guest join in a real browser: Join call -> 100101 -> the space
// name "Proxy webRTC" -> a display name -> the in-call page with the
// participant list over WebSocket; a second guest appears on the first
// page; a wrong call ID shows an error; invitation links; French strings;
// DELETE callLegs/<id> disconnects a guest.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');

const WAIT = { timeout: 20000 };  // bounded waits for conditions, not timing thresholds

async function joinAs(page, base, name, callId = '100101') {
  await page.goto(base + '/?lang=en');
  await page.locator('#join-call').waitFor({ state: 'visible', ...WAIT });
  await page.click('#join-call');
  await page.fill('#call-id', callId);
  await page.click('#continue');
  await page.locator('#space-name').filter({ hasText: 'Proxy webRTC' }).waitFor(WAIT);
  await page.fill('#display-name', name);
  await page.click('#join');
  await page.locator('#participants li.self', { hasText: name }).waitFor(WAIT);
}

test('guest joins the seed space and sees the others', async () => {
  const meet = await startMeet();
  const browser = await launchBrowser([meet.web.spki]);
  try {
    const alice = await browser.context.newPage();
    await joinAs(alice, meet.webUrl, 'Alice');
    assert.match(await alice.locator('#call-space').textContent(), /Proxy webRTC/);

    const bob = await browser.context.newPage();
    await joinAs(bob, meet.webUrl, 'Bob');
    // Bob sees Alice, and Alice sees Bob appear.
    await bob.locator('#participants li', { hasText: 'Alice' }).waitFor(WAIT);
    await alice.locator('#participants li', { hasText: 'Bob' }).waitFor(WAIT);

    // The API sees one call with two legs.
    const calls = await meet.api('/calls');
    assert.match(calls.body, /<calls total="1">/);
    const legs = await meet.api('/callLegs');
    assert.match(legs.body, /<callLegs total="2">/);
    assert.match(legs.body, /<name>Bob<\/name>/);
    const bobLeg = /<callLeg id="([^"]+)"><name>Bob/.exec(legs.body)[1];
    const filtered = await meet.api('/callLegs?filter=bob');
    assert.match(filtered.body, /<callLegs total="1"><callLeg id="[^"]+"><name>Bob<\/name>/);

    // DELETE disconnects Bob: his page says so, Alice's list drops him.
    const del = await meet.api('/callLegs/' + bobLeg, { method: 'DELETE' });
    assert.strictEqual(del.status, 200);
    await bob.locator('#call-status', { hasText: 'disconnected' }).waitFor(WAIT);
    await alice.locator('#participants li', { hasText: 'Bob' }).waitFor({ state: 'detached', ...WAIT });

    // The event log tells the seed's story.
    const log = meet.log();
    assert.match(log, /web bridge link 1: new guest login request \d+ received/);
    assert.match(log, /guest login request \d+: passcode resolution scheduled/);
    assert.match(log, /created guest account with user ID "guest\d+@cms\.octavio\.local"/);
    assert.match(log, /successful login request from guest\d+@cms\.octavio\.local/);
  } finally {
    await browser.close();
    await meet.stop();
  }
});

test('a wrong call ID shows an error and stays on the form', async () => {
  const meet = await startMeet();
  const browser = await launchBrowser([meet.web.spki]);
  try {
    const page = await browser.context.newPage();
    await page.goto(meet.webUrl + '/?lang=en');
    await page.click('#join-call', WAIT);
    await page.fill('#call-id', '999999');
    await page.click('#continue');
    await page.locator('#callid-error', { hasText: 'not recognised' }).waitFor(WAIT);
    assert.strictEqual(await page.locator('#screen-name').isHidden(), true);
    // French strings.
    await page.goto(meet.webUrl + '/?lang=fr');
    await page.locator('#join-call', { hasText: "Joindre l'appel" }).waitFor(WAIT);
    await page.click('#join-call');
    await page.fill('#call-id', '999998');
    await page.click('#continue');
    await page.locator('#callid-error', { hasText: 'inconnu' }).waitFor(WAIT);
    // Accessible labels on the form fields.
    assert.strictEqual(await page.getByLabel("ID d'appel").count(), 1);
  } finally {
    await browser.close();
    await meet.stop();
  }
});

test('an invitation link with the space secret joins directly', async () => {
  const meet = await startMeet();
  const browser = await launchBrowser([meet.web.spki]);
  try {
    const q = await meet.api('/accessQuery', { method: 'POST', body: 'callId=100101',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.strictEqual(q.status, 200);
    const web = /<webAddress>([^<]+)<\/webAddress>/.exec(q.body)[1].replace(/&amp;/g, '&');
    const page = await browser.context.newPage();
    await page.goto(web + '&lang=en');
    await page.locator('#space-name', { hasText: 'Proxy webRTC' }).waitFor(WAIT);
    await page.fill('#display-name', 'Carol');
    await page.click('#join');
    await page.locator('#participants li.self', { hasText: 'Carol' }).waitFor(WAIT);
    // A callProfile's participantLimit is enforced: the space is full.
    const cp = await meet.api('/callProfiles', { method: 'POST', body: 'participantLimit=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const cpId = cp.headers.location.split('/').pop();
    const spaces = await meet.api('/coSpaces');
    const seed = /<coSpace id="([^"]+)"><name>Proxy webRTC/.exec(spaces.body)[1];
    const put = await meet.api('/coSpaces/' + seed, { method: 'PUT', body: 'callProfile=' + cpId,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.strictEqual(put.status, 200);
    const dave = await browser.context.newPage();
    await dave.goto(meet.webUrl + '/?lang=en');
    await dave.click('#join-call', WAIT);
    await dave.fill('#call-id', '100101');
    await dave.click('#continue');
    await dave.fill('#display-name', 'Dave');
    await dave.click('#join');
    await dave.locator('#call-status', { hasText: 'full' }).waitFor(WAIT);
    assert.match((await meet.api('/callLegs')).body, /<callLegs total="1">/);
    // A forged secret does not.
    await page.goto(meet.webUrl + '/invited.sf?id=100101&secret=forged_secret_value_x');
    await page.locator('#callid-error', { hasText: 'not recognised' }).waitFor(WAIT);
  } finally {
    await browser.close();
    await meet.stop();
  }
});

test('no Join call button while the web bridge does not trust the call bridge', async () => {
  // The seed's first failure: the trust bundle lacks the call bridge cert.
  const meet = await startMeet({ webExtra: 'trust = __DIR__/webbridge.crt',
    cbExtra: 'certificate = __DIR__/admin.crt' });
  const browser = await launchBrowser([meet.web.spki]);
  try {
    const page = await browser.context.newPage();
    await page.goto(meet.webUrl + '/?lang=en');
    await page.locator('#link-down').waitFor({ state: 'visible', ...WAIT });
    assert.strictEqual(await page.locator('#join-call').isHidden(), true);
    const alarms = await meet.api('/system/alarms');
    assert.match(alarms.body, /<type>webBridgeConnectionFailure<\/type>/);
    assert.match(meet.log(), /Web bridge connection to "[^"]+" failed \(connect failure\)/);
  } finally {
    await browser.close();
    await meet.stop();
  }
  // With the right trust bundle the button is there (and the branding).
  const fs = require('node:fs');
  const ok = await startMeet({ prepare: (dir) => fs.copyFileSync(dir + '/admin.crt', dir + '/trust.pem'),
    webExtra: 'trust = __DIR__/trust.pem\nlogin-logo = /brand/logo.png\n' +
    'background-image = https://cdn.octavio.com/bg.jpg',
    cbExtra: 'certificate = __DIR__/admin.crt\nlink-retry = 1' });
  const b2 = await launchBrowser([ok.web.spki]);
  try {
    const page = await b2.context.newPage();
    await page.goto(ok.webUrl + '/?lang=en');
    await page.locator('#join-call').waitFor({ state: 'visible', ...WAIT });
    assert.strictEqual(await page.locator('#logo').getAttribute('src'), '/brand/logo.png');
    assert.match(await page.evaluate(() => document.body.style.backgroundImage), /cdn\.octavio\.com\/bg\.jpg/);
    // In a call when the link breaks (trust bundle edited): the guest is told,
    // the call bridge drops the leg, and a fresh page has no Join call.
    const eve = await b2.context.newPage();
    await joinAs(eve, ok.webUrl, 'Eve');
    fs.copyFileSync(ok.dir + '/webbridge.crt', ok.dir + '/trust.pem');
    await eve.locator('#call-status', { hasText: 'disconnected' }).waitFor(WAIT);
    for (let i = 0; ; i++) {  // bounded wait for the call bridge side
      if (/<callLegs total="0"\/>/.test((await ok.api('/callLegs')).body)) break;
      assert.ok(i < 200, 'call leg not dropped');
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.reload();
    await page.locator('#link-down').waitFor({ state: 'visible', ...WAIT });
  } finally {
    await b2.close();
    await ok.stop();
  }
});
