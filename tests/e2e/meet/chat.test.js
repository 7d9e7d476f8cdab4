// Chat, the participant list and the active speaker with three guests,
// controls found by role and name in EN (Alice, Carol) and FR (Bob): text
// shown exactly as typed (<b>x</b> stays text), both ways; a late joiner
// gets the call's history with names and times; an over-long message and
// a burst over the rate limit are refused with an error for the sender
// only; the list follows joins, leaves and each page's mute state; the
// guest whose microphone is on (the fake device's beep; the others are
// muted, so they send silence) is the marked speaker and leads the layout.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { WAIT, NAMES, join, tile, until } = require('../lib/guest.js');

const L = {
  en: { chat: 'Chat', message: 'Message', micOff: 'microphone off', camOff: 'camera off',
    tooLong: 'Your message is too long (2000 characters at most). It was not sent.',
    rate: 'You are sending messages too quickly. Wait a few seconds and try again.', speaking: 'Speaking: ' },
  fr: { chat: 'Discussion', message: 'Message', micOff: 'micro coupé', camOff: 'caméra coupée',
    tooLong: "Votre message est trop long (2000 caractères au plus). Il n'a pas été envoyé.",
    rate: 'Vous envoyez des messages trop vite. Attendez quelques secondes et réessayez.', speaking: 'Parole : ' },
};

async function openChat(page, lang) {
  await page.getByRole('button', { name: L[lang].chat, exact: true }).click();
  return page.getByRole('log', { name: L[lang].chat });
}

async function say(page, lang, text) {
  const box = page.getByRole('textbox', { name: L[lang].message, exact: true });
  await box.fill(text);
  await box.press('Enter');
}

const texts = (log) => log.locator('.chat-text').allTextContents();
const listed = (page, lang, name) => page.getByRole('list', { name: new RegExp('^' + NAMES[lang].participants) })
  .getByRole('listitem').filter({ hasText: name });

test('chat, participants and active speaker with three guests', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const alice = await browser.context.newPage();
    await join(alice, meet.webUrl, 'Alice');
    const bob = await browser.context.newPage();
    await join(bob, meet.webUrl, 'Bob', { lang: 'fr' });

    // Chat both ways, markup shown as text.
    const aliceLog = await openChat(alice, 'en');
    const bobLog = await openChat(bob, 'fr');
    await say(alice, 'en', '<b>x</b>');
    await bobLog.getByRole('listitem').filter({ hasText: '<b>x</b>' }).waitFor(WAIT);
    assert.strictEqual(await bobLog.locator('b').count(), 0, 'no <b> element made from a message');
    assert.match(await bobLog.getByRole('listitem').first().textContent(), /^Alice.*<b>x<\/b>$/);
    assert.strictEqual(await bobLog.locator('time').count(), 1);
    await say(bob, 'fr', 'Bonjour & <i>à tous</i>');
    await aliceLog.getByRole('listitem').filter({ hasText: 'Bonjour & <i>à tous</i>' }).waitFor(WAIT);
    assert.deepStrictEqual(await texts(aliceLog), ['<b>x</b>', 'Bonjour & <i>à tous</i>']);

    // A late joiner sees the history, with senders, in order; and is listed.
    const carol = await browser.context.newPage();
    await join(carol, meet.webUrl, 'Carol');
    const carolLog = await openChat(carol, 'en');
    await until(carol, () => texts(carolLog), (t) => t.length === 2, "Carol's history");
    assert.deepStrictEqual(await texts(carolLog), ['<b>x</b>', 'Bonjour & <i>à tous</i>']);
    assert.deepStrictEqual(await carolLog.locator('.chat-name').allTextContents(), ['Alice', 'Bob']);
    await listed(alice, 'en', 'Carol').waitFor(WAIT);
    await listed(bob, 'fr', 'Carol').waitFor(WAIT);

    // Over-long (2001 characters of 2 bytes each): refused, error in EN.
    await say(alice, 'en', 'é'.repeat(2001));
    await alice.getByRole('alert').filter({ hasText: L.en.tooLong }).waitFor(WAIT);
    await say(alice, 'en', 'é'.repeat(2000));
    await carolLog.getByRole('listitem').nth(2).waitFor(WAIT);
    assert.strictEqual((await texts(carolLog))[2].length, 2000, 'exactly 2000 characters pass');
    // Carol may see the message before Alice's page has its own echo: wait
    // for the error to go (it must), rather than sampling once.
    await alice.getByRole('alert').filter({ hasText: L.en.tooLong }).waitFor({ state: 'detached', ...WAIT });
    assert.strictEqual(await alice.getByRole('alert').filter({ hasText: L.en.tooLong }).count(), 0,
      'the error goes once a message is accepted');

    // A burst over the rate limit: Bob sees the French error, others only
    // the accepted messages.
    // Sent until refused (the error stays until one of his is accepted).
    const rateErr = bob.getByRole('alert').filter({ hasText: L.fr.rate });
    let sent = 0;
    while (sent < 40 && !(await rateErr.isVisible())) await say(bob, 'fr', 'burst ' + sent++);
    await rateErr.waitFor(WAIT);
    await carolLog.getByRole('listitem').filter({ hasText: 'burst 0' }).waitFor(WAIT);
    const got = (await texts(carolLog)).filter((t) => t.startsWith('burst '));
    assert.ok(got.length >= 1 && got.length < sent, 'some of the burst refused: ' + got.length + ' of ' + sent);
    assert.strictEqual(await carol.getByRole('alert').filter({ hasText: L.en.rate }).count(), 0);

    // Participant list: mute state as each page announces it, live.
    await bob.getByRole('button', { name: NAMES.fr.mute, exact: true }).click();
    await listed(alice, 'en', 'Bob').filter({ hasText: L.en.micOff }).waitFor(WAIT);
    await listed(bob, 'fr', 'Bob').filter({ hasText: L.fr.micOff }).waitFor(WAIT);
    await carol.getByRole('button', { name: NAMES.en.cameraOff, exact: true }).click();
    await listed(bob, 'fr', 'Carol').filter({ hasText: L.fr.camOff }).waitFor(WAIT);
    assert.strictEqual(await listed(alice, 'en', 'Alice').filter({ hasText: L.en.micOff }).count(), 0);
    await carol.getByRole('button', { name: NAMES.en.cameraOn, exact: true }).click();
    await until(bob, () => listed(bob, 'fr', 'Carol').filter({ hasText: L.fr.camOff }).count(), (n) => n === 0,
      "Carol's camera back on in Bob's list");
    // The "Participants" button hides and shows the list.
    await alice.getByRole('button', { name: NAMES.en.participants, exact: true }).click();
    await listed(alice, 'en', 'Bob').waitFor({ state: 'hidden', ...WAIT });
    await alice.getByRole('button', { name: NAMES.en.participants, exact: true }).click();
    await listed(alice, 'en', 'Bob').waitFor(WAIT);

    // Active speaker: only Alice's microphone is on.
    await carol.getByRole('button', { name: NAMES.en.mute, exact: true }).click();
    const aliceOnCarol = tile(carol, 'Alice');
    await until(carol, () => aliceOnCarol.getAttribute('aria-current'), (v) => v === 'true', 'Alice marked on Carol');
    await tile(bob, 'Alice', 'fr').and(bob.locator('[aria-current="true"]')).waitFor(WAIT);
    await carol.locator('#speaker').filter({ hasText: L.en.speaking + 'Alice' }).waitFor(WAIT);
    await bob.locator('#speaker').filter({ hasText: L.fr.speaking + 'Alice' }).waitFor(WAIT);
    // The speaker leads the layout: first tile in reading order.
    const boxes = await carol.locator('#tiles .tile').evaluateAll((ts) => ts.map((t) => {
      const r = t.getBoundingClientRect();
      return { name: t.getAttribute('aria-label'), y: r.y, x: r.x };
    }));
    boxes.sort((a, b) => a.y - b.y || a.x - b.x);
    assert.strictEqual(boxes[0].name, 'Alice', JSON.stringify(boxes));
    // Alice mutes, Bob speaks: the mark moves to Bob (his own tile too).
    await alice.getByRole('button', { name: NAMES.en.mute, exact: true }).click();
    await bob.getByRole('button', { name: NAMES.fr.unmute, exact: true }).click();
    await until(carol, () => tile(carol, 'Bob').getAttribute('aria-current'), (v) => v === 'true', 'Bob marked on Carol');
    await until(bob, () => tile(bob, 'Bob (vous)', 'fr').getAttribute('aria-current'), (v) => v === 'true',
      "Bob's self-view marked");
    assert.strictEqual(await aliceOnCarol.getAttribute('aria-current'), null);

    // Leave: the list drops Carol on the others' pages.
    await carol.getByRole('button', { name: NAMES.en.leave, exact: true }).click();
    await listed(alice, 'en', 'Carol').waitFor({ state: 'detached', ...WAIT });
    await listed(bob, 'fr', 'Carol').waitFor({ state: 'detached', ...WAIT });
  } finally {
    await browser.close();
    await meet.stop();
  }
});
