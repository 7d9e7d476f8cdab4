/* The call's chat: a panel opened by the "Chat" button, a log of messages
 * (sender's display name, time, text) and a "Message" box where Enter
 * sends.  The server keeps the call's history and sends it on joining
 * ({"type":"chatHistory"}), relays every message ({"type":"chat"}) and
 * refuses with {"type":"chatError","error"} (tooLong, rateLimited,
 * forbidden, ...).  Text only: messages go in through textContent. */
import { $, el } from './dom.js';
import { t, currentLang, onLangChange } from './i18n.js';

const ERRORS = { tooLong: 'chatTooLong', rateLimited: 'chatRate', forbidden: 'chatForbidden' };

export class Chat {
  /* send(msg): the call's signalling; selfId(): this guest's leg id (an
   * error shown stays until one of its own messages is accepted).  Owned
   * by the call view. */
  constructor(send, selfId) {
    this.send = send;
    this.selfId = selfId;
    this.messages = [];
    this.allowed = true;
    this.errorKey = '';
    $('chat-toggle').addEventListener('click', () => this.toggle());
    $('chat-form').addEventListener('submit', (ev) => { ev.preventDefault(); this.submit(); });
    onLangChange(() => this.render());
  }

  toggle(open) {
    const on = open === undefined ? $('chat-panel').hidden : open;
    $('chat-panel').hidden = !on;
    $('chat-toggle').setAttribute('aria-expanded', String(on));
    if (on && this.allowed) $('chat-input').focus();
  }

  submit() {
    const text = $('chat-input').value;
    if (!text.trim() || !this.allowed) return;
    this.send({ type: 'chat', text });
    $('chat-input').value = '';
  }

  error(key) {
    this.errorKey = key;
    $('chat-error').textContent = key ? t(key) : '';
    $('chat-error').hidden = !key;
  }

  /* Whether the leg may post (profile chatContributionAllowed). */
  setAllowed(on) {
    this.allowed = on;
    $('chat-form').hidden = !on;
  }

  /* A signalling message; true when it was the chat's. */
  onMessage(m) {
    if (m.type === 'chatHistory' && Array.isArray(m.messages)) {
      this.messages = m.messages.filter(valid);
      this.render();
      return true;
    }
    if (m.type === 'chat' && valid(m)) {
      if (m.from === this.selfId()) this.error('');
      this.messages.push(m);
      if (this.messages.length > 500) this.messages.shift();
      $('chat-log').appendChild(this.item(m));
      return true;
    }
    if (m.type === 'chatError') { this.error(ERRORS[m.error] || 'chatFailed'); return true; }
    if ((m.type === 'profile' || m.type === 'welcome') && m.profile && typeof m.profile === 'object') {
      this.setAllowed(m.profile.chatContributionAllowed !== false);
      return false;   /* others read the profile too */
    }
    return false;
  }

  item(m) {
    const d = new Date(m.time);
    const li = el('li', { class: 'chat-msg' });
    li.append(el('span', { class: 'chat-name' }, m.name),
      el('time', { dateTime: d.toISOString() },
        d.toLocaleTimeString(currentLang(), { hour: '2-digit', minute: '2-digit' })),
      el('span', { class: 'chat-text' }, m.text));
    return li;
  }

  render() {
    const log = $('chat-log');
    log.textContent = '';
    for (const m of this.messages) log.appendChild(this.item(m));
    if (this.errorKey) $('chat-error').textContent = t(this.errorKey);
  }

  /* The call ended: forget its messages. */
  clear() { this.messages = []; this.error(''); this.setAllowed(true); this.render(); }
}

function valid(m) {
  return m && typeof m.name === 'string' && typeof m.text === 'string' && Number.isFinite(m.time);
}
