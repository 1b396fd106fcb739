// Requests the SDK's send() cannot make — a stream, a file to download — with the session's token, renewed first when
// it is about to expire, and a problem+json answer turned into the MonoliteError the rest of the console expects.
import { MonoliteError } from '../sdk/monolite.js';
import { ml } from '../js/ui.js';

/** Renew the session first when it has less than this left, in seconds (as the SDK does by default). */
const REFRESH_BEFORE = 60;

/** `{authorization: 'Bearer …'}` for the current session; a 401 MonoliteError when there is none. */
export async function authHeaders() {
  if (!ml.auth.isValid) throw new MonoliteError(401, 'auth_required', 'Your session ended: sign in again');
  if (ml.auth.expiresAt - Date.now() / 1000 < REFRESH_BEFORE) {
    try {
      await ml.refresh();
    } catch (err) {
      // A failed renewal leaves a token that is still valid for a while; only a dead session stops here.
      if (!ml.auth.isValid) throw err;
    }
  }
  return { authorization: `Bearer ${ml.auth.token}` };
}

/** fetch(`path`) with the session's token; resolves to the 2xx Response, throws MonoliteError otherwise. */
export async function authorizedFetch(path, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(await authHeaders())) headers.set(name, value);
  let res;
  try {
    res = await fetch(path, { ...init, headers });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new MonoliteError(0, 'network_error', `${init.method ?? 'GET'} ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

/** The MonoliteError of an error answer: its problem+json fields when it has them, else its status. */
export async function problemOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: the status says enough
  }
  const detail = typeof body?.detail === 'string' ? body.detail : `The request failed (${res.status} ${res.statusText})`;
  return new MonoliteError(res.status, typeof body?.code === 'string' ? body.code : `http_${res.status}`, detail, Array.isArray(body?.errors) ? body.errors : []);
}
