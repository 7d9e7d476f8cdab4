/* The lobby and what the server says about this guest's leg: the welcome
 * message's profile (the vendor's callLegProfile names, docs/api.md), the
 * wait for the host (needsActivation), admission, and the host's mute.
 * Other features read the permissions with allowed(view, name). */
import { $ } from './dom.js';

/* name: a callLegProfile parameter, e.g. 'chatContributionAllowed'.  Until
 * the welcome arrives everything is allowed (the server enforces anyway). */
export function allowed(view, name) {
  return !view.profile || view.profile[name] !== false;
}

/* Handles the lobby's messages; true when m was one of them. */
export function lobbyMessage(view, m) {
  if (m.type === 'welcome' && m.profile && typeof m.profile === 'object') {
    view.profile = m.profile;
    view.legId = typeof m.leg === 'string' ? m.leg : '';
    return true;
  }
  if (m.type === 'lobby') {
    view.waiting = true;
    view.status('waitingHost');
    $('tiles').hidden = true;
    return true;
  }
  if (m.type === 'admitted') {
    view.waiting = false;
    $('tiles').hidden = false;
    view.status('connected');
    return true;
  }
  if (m.type === 'muted' && m.kind === 'audio') {
    view.status(m.on ? 'mutedByHost' : 'unmutedByHost');
    if (m.on) view.setMuted(true);
    return true;
  }
  return false;
}

/* The status key for the reason the server ended this guest's session. */
export function endedKey(reason) {
  return { participantLimitReached: 'full', callEnded: 'callEnded', callLocked: 'callLocked',
    removedByHost: 'removedByHost' }[reason] || 'disconnected';
}
