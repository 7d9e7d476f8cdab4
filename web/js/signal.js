/* The call's signalling WebSocket (/ws?session=...): JSON messages both
 * ways.  A close is one of three things, told apart here so the call view
 * does not have to: the guest left (close()), the server ended the session
 * ({"type":"disconnected"} first: removed, call full, link down), or the
 * connection dropped (anything else), which the caller may answer by
 * rejoining. */
export class Signal {
  /* hooks: message(msg), ended(reason), dropped().  Owned by the call view. */
  constructor(session, hooks) {
    this.hooks = hooks;
    this.done = false;
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    this.ws = new WebSocket(proto + location.host + '/ws?session=' + encodeURIComponent(session));
    this.ws.onmessage = (ev) => this.onMessage(ev);
    this.ws.onclose = () => {
      if (this.done) return;
      this.done = true;
      this.hooks.dropped();
    };
  }

  onMessage(ev) {
    if (this.done) return;
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (!m || typeof m.type !== 'string') return;
    if (m.type === 'disconnected') {
      this.done = true;
      this.hooks.ended(String(m.reason || ''));
      return;
    }
    this.hooks.message(m);
  }

  send(msg) { if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg)); }

  /* The guest leaves: no hook runs. */
  close() { this.done = true; this.ws.close(); }

  /* Test hook only (?test=1): drop the socket as a network failure would. */
  drop() { this.ws.close(); }
}
