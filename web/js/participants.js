/* The participant list (display names with the microphone and camera
 * state each page announces) and the active speaker: the speaker's tile
 * is marked (class "speaking", aria-current) and leads the layout, and a
 * live region names it.  Text only, through textContent. */
import { $, el } from './dom.js';
import { t } from './i18n.js';

/* list: [{id, name, self, muted, cameraOff}] from {"type":"participants"}. */
export function renderParticipants(list) {
  const ul = $('participants');
  ul.textContent = '';
  for (const p of list) {
    const li = el('li', { 'data-participant': String(p.id) });
    li.append(el('span', { class: 'who' }, p.name + (p.self ? ' ' + t('you') : '')));
    if (p.muted) li.append(' ', el('span', { class: 'state', 'data-state': 'muted' }, t('micOff')));
    if (p.cameraOff) li.append(' ', el('span', { class: 'state', 'data-state': 'cameraOff' }, t('camOff')));
    if (p.self) li.className = 'self';
    ul.appendChild(li);
  }
  $('count').textContent = String(list.length);
}

/* Marks the tile of participant id speaker (tile "self" for this guest). */
export function markSpeaker(list, speaker) {
  const self = list.find((p) => p.self);
  const who = list.find((p) => p.id === speaker);
  [...$('tiles').children].forEach((e) => {
    const id = e.dataset.tile;
    const on = id === speaker || (id === 'self' && !!self && self.id === speaker);
    e.classList.toggle('speaking', on);
    if (on) e.setAttribute('aria-current', 'true'); else e.removeAttribute('aria-current');
  });
  const text = who ? t('speaking') + ' ' + who.name : '';
  if ($('speaker').textContent !== text) $('speaker').textContent = text;
}

/* The "Participants" button shows and hides the list. */
export function participantsToggle() {
  $('participants-toggle').addEventListener('click', () => {
    const on = $('participants-panel').hidden;
    $('participants-panel').hidden = !on;
    $('participants-toggle').setAttribute('aria-expanded', String(on));
  });
}
