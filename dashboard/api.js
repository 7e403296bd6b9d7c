// The dashboard's way to the API. The browser session (its cookie goes only to /admin) buys a short-lived
// access token, kept in memory and sent as a bearer credential; before it expires a new one is bought.
// Without a session the browser is sent to sign in, and comes back here.

let token = null;
let expiresAt = 0;

/** Sends the browser to sign in (and back to the dashboard after). */
export function signIn() {
  location.assign('/admin/login?next=/');
}

/** Whether this browser signed in (a cookie with no credential in it, set with the session): without it, asking for a token is a certain 401. */
const signedIn = () => document.cookie.split('; ').includes('forge_signed_in=1');

async function accessToken() {
  if (token && Date.now() < expiresAt - 30_000) return token;
  if (!signedIn()) {
    signIn();
    return new Promise(() => {});
  }
  const res = await fetch('/admin/session/token', { method: 'POST', credentials: 'same-origin' });
  if (res.status === 401) {
    signIn();
    // The browser is leaving for the sign-in page: nothing waiting on this goes on.
    return new Promise(() => {});
  }
  if (!res.ok) throw new Error(`session token: HTTP ${res.status}`);
  const body = await res.json();
  token = body.access_token;
  expiresAt = Date.now() + body.expires_in * 1000;
  return token;
}

/** An API error with the API's own code and message. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? 'error';
  }
}

/** One call to the API as the signed-in user. @returns the parsed body (null for 204) */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { authorization: `Bearer ${await accessToken()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401) {
    token = null;
    signIn();
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/**
 * The live event stream (`/ws/events`), authenticated with the access token as a subprotocol; reconnects
 * with a fresh token, resuming after the last event seen. `onState` hears 'live' or 'reconnecting'.
 */
export function liveEvents(onEvent, onState) {
  let lastSeq = null;
  let closed = false;
  let socket = null;
  const open = async () => {
    if (closed) return;
    let bearer;
    try {
      bearer = await accessToken();
    } catch {
      return;
    }
    const url = new URL('/ws/events', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (lastSeq !== null) url.searchParams.set('after_seq', String(lastSeq));
    socket = new WebSocket(url, ['forge.events', `bearer.${bearer}`]);
    socket.onmessage = (m) => {
      const message = JSON.parse(m.data);
      if (message.type === 'hello') onState('live');
      if (message.type === 'event') {
        lastSeq = message.event.seq;
        onEvent(message.event);
      }
    };
    socket.onclose = () => {
      onState('reconnecting');
      if (!closed) setTimeout(open, 2000);
    };
  };
  void open();
  return () => {
    closed = true;
    socket?.close();
  };
}
