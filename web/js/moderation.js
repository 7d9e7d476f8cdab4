/* Host controls (an activator leg whose profile allows them): mute a
 * guest, mute all, remove a guest, lock the meeting.  Each is a real
 * button with an EN/FR accessible name; the server checks again and
 * answers {"type":"refused"} to anyone else. */
import { $, el } from './dom.js';
import { t } from './i18n.js';

function isHost(view) { return !!view.profile && view.profile.needsActivation === false && !view.waiting; }

function send(view, action, leg, on) {
  if (view.signal) view.signal.send({ type: 'moderate', action, leg: leg || '', on: on !== false });
}

/* The toolbar buttons (mute all, lock); called after every render. */
export function renderHostBar(view) {
  let bar = $('host-controls');
  if (!isHost(view)) { if (bar) bar.remove(); return; }
  if (!bar) {
    bar = el('div', { id: 'host-controls', class: 'actions controls', role: 'toolbar' });
    bar.append(el('button', { type: 'button', id: 'mute-all', class: 'secondary' }),
      el('button', { type: 'button', id: 'lock', class: 'secondary', 'aria-pressed': 'false' }));
    $('participants-title').before(bar);
    $('mute-all').addEventListener('click', () => send(view, 'muteAll'));
    $('lock').addEventListener('click', () => {
      view.locked = !view.locked;
      send(view, 'lock', '', view.locked);
      renderHostBar(view);
    });
  }
  bar.setAttribute('aria-label', t('hostControls'));
  $('mute-all').textContent = t('muteAll');
  $('lock').textContent = t(view.locked ? 'unlockMeeting' : 'lockMeeting');
  $('lock').setAttribute('aria-pressed', String(!!view.locked));
}

/* Per-guest buttons in the participant list item li of participant p. */
export function decorateParticipant(view, li, p) {
  if (!isHost(view) || p.self) return;
  const mute = el('button', { type: 'button', class: 'secondary', 'aria-label': t('muteGuest') + ' ' + p.name }, t('muteGuest'));
  mute.addEventListener('click', () => send(view, 'mute', String(p.id), true));
  const remove = el('button', { type: 'button', class: 'danger', 'aria-label': t('removeGuest') + ' ' + p.name }, t('removeGuest'));
  remove.addEventListener('click', () => send(view, 'remove', String(p.id)));
  li.append(' ', mute, ' ', remove);
}

/* {"type":"refused"}: the server did not accept a moderation request. */
export function moderationMessage(view, m) {
  if (m.type !== 'refused') return false;
  view.status('refused');
  return true;
}
