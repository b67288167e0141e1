/** Name of the readable cookie that carries the CSRF token for the session. */
export const CSRF_COOKIE = 'portal_csrf';

/** Name of the request header the server checks against the CSRF cookie. */
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * Returns the value of cookie `name` from a `document.cookie`-style string,
 * or null when it is not set. Values are URI-decoded when possible.
 */
export function readCookie(name: string, cookieString: string = currentCookies()): string | null {
  if (!cookieString) return null;
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    if (key !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** Headers to send with every GraphQL request; read fresh for each request. */
export function csrfHeaders(cookieString: string = currentCookies()): Record<string, string> {
  const token = readCookie(CSRF_COOKIE, cookieString);
  return token ? { [CSRF_HEADER]: token } : {};
}

function currentCookies(): string {
  return typeof document === 'undefined' ? '' : document.cookie;
}
