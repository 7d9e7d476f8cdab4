/* The join flow: Join call -> Call ID (+ passcode) -> name, camera and
 * microphone preview and choice -> join.  An invitation link
 * (/invited.sf?id=..&secret=..) skips the Call ID screen. */
import { $, show } from './dom.js';
import { t } from './i18n.js';
import { ERR, resolve, login } from './api.js';

export class JoinFlow {
  /* hooks: joined({session, space, creds, name}); devices: the preview. */
  constructor(hooks, devices) {
    this.hooks = hooks;
    this.devices = devices;
    this.creds = null;
    this.token = null;
    this.space = '';
    this.errors = {};
    $('join-call').addEventListener('click', () => show('callid', 'call-id'));
    document.querySelectorAll('.back').forEach((b) => b.addEventListener('click', () => {
      if ($('screen-name').hidden) { show('welcome'); return; }
      this.devices.release();
      show('callid', 'call-id');
    }));
    $('callid-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('call-id').value.trim();
      if (!/^[0-9]{1,18}$/.test(id)) { this.error('callid-error', 'errEmptyId'); return; }
      this.resolve({ callId: id, passcode: $('passcode').value.trim() });
    });
    $('name-form').addEventListener('submit', (e) => { e.preventDefault(); this.join(); });
  }

  error(id, key) {
    this.errors[id] = key;
    $(id).textContent = key ? t(key) : '';
    $(id).hidden = !key;
  }

  relang() { for (const [id, key] of Object.entries(this.errors)) this.error(id, key); }

  async resolve(creds) {
    const res = await resolve(creds);
    if (res.error) { this.error('callid-error', ERR[res.error] || 'errGeneric'); return false; }
    this.creds = creds;
    this.token = res.token;
    this.space = String(res.spaceName || '');
    $('space-name').textContent = this.space;
    this.error('callid-error', null);
    show('name', 'display-name');
    this.devices.preview();
    return true;
  }

  async join() {
    const name = $('display-name').value.trim();
    if (!name) { this.error('name-error', 'errName'); return; }
    const res = await login(this.token, name);
    if (res.error) { this.error('name-error', ERR[res.error] || 'errGeneric'); return; }
    this.error('name-error', null);
    this.hooks.joined({ session: res.session, space: String(res.spaceName || this.space), creds: this.creds, name });
  }
}

/* A whole rejoin without the screens (Rejoin, reconnect, reload): a new
 * token and a new session for the same call and name.  -> {session, space}
 * or {error: key}. */
export async function rejoin(creds, name) {
  const r = await resolve(creds);
  if (r.error) return { error: ERR[r.error] || 'errGeneric' };
  const l = await login(r.token, name);
  if (l.error) return { error: ERR[l.error] || 'errGeneric' };
  return { session: l.session, space: String(l.spaceName || r.spaceName || '') };
}
