/* The web bridge's guest API (see src/meet/webbridge.c): resolve a call ID
 * (+ passcode) or an invitation secret to a one-use token, then log in with
 * a display name for a one-use WebSocket session. */
export const ERR = { notFound: 'errNotFound', badPasscode: 'errBadPasscode', passcodeRequired: 'errPasscodeRequired',
  rateLimited: 'errRate', linkDown: 'errLink', expired: 'errExpired' };

async function post(path, data) {
  try {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(data).toString() });
    return await r.json();
  } catch (e) {
    return { error: 'error' };
  }
}

/* creds: {callId, passcode} or {callId, secret}. -> {token, spaceName} | {error} */
export function resolve(creds) { return post('/api/guest/resolve', creds); }
/* -> {session, jid, spaceName} | {error} */
export function login(token, name) { return post('/api/guest/login', { token, name }); }

export async function config() {
  const r = await fetch('/api/guest/config');
  return r.json();
}
