import { afterEach, describe, expect, it } from 'vitest';
import { CSRF_HEADER, csrfHeaders, readCookie } from './cookies';

describe('readCookie', () => {
  it('finds a cookie among others and ignores surrounding whitespace', () => {
    expect(readCookie('portal_csrf', 'theme=dark; portal_csrf=abc123 ; lang=en')).toBe('abc123');
  });

  it('returns null when the cookie is missing or the string is empty', () => {
    expect(readCookie('portal_csrf', 'theme=dark')).toBeNull();
    expect(readCookie('portal_csrf', '')).toBeNull();
  });

  it('does not match a cookie whose name only ends with the wanted name', () => {
    expect(readCookie('csrf', 'portal_csrf=nope')).toBeNull();
  });

  it('decodes URI-encoded values and keeps "=" inside values', () => {
    expect(readCookie('t', 't=a%2Bb%3D%3D')).toBe('a+b==');
    expect(readCookie('t', 't=base64==')).toBe('base64==');
  });
});

describe('csrfHeaders', () => {
  afterEach(() => {
    document.cookie = 'portal_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('sends the header only when the cookie exists', () => {
    expect(csrfHeaders('a=b')).toEqual({});
    expect(csrfHeaders('portal_csrf=tok')).toEqual({ [CSRF_HEADER]: 'tok' });
  });

  it('reads document.cookie afresh on every call', () => {
    expect(csrfHeaders()).toEqual({});
    document.cookie = 'portal_csrf=first; path=/';
    expect(csrfHeaders()).toEqual({ 'X-CSRF-Token': 'first' });
    document.cookie = 'portal_csrf=second; path=/';
    expect(csrfHeaders()).toEqual({ 'X-CSRF-Token': 'second' });
  });
});
