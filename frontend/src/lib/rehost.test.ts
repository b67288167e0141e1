import { describe, expect, it } from 'vitest';
import { normaliseHostId, rehostAllowance, rehostRefusalText, rehostUsageText } from './rehost';

const now = new Date('2026-03-01T12:00:00Z');

describe('rehostAllowance', () => {
  it('counts what is left and allows a re-host when none is pending', () => {
    const allowance = rehostAllowance({ rehostsUsed: 1, rehostLimit: 4, nextRehostAllowedAt: null }, now);
    expect(allowance).toEqual({ used: 1, limit: 4, remaining: 3, nextAllowedAt: null, allowed: true });
    expect(rehostUsageText(allowance)).toBe('1 of 4 re-hosts used in the last 12 months');
  });

  it('refuses until the next allowed date', () => {
    const allowance = rehostAllowance({ rehostsUsed: 4, rehostLimit: 4, nextRehostAllowedAt: '2026-05-01T00:00:00Z' }, now);
    expect(allowance.allowed).toBe(false);
    expect(allowance.remaining).toBe(0);
    expect(allowance.nextAllowedAt).toBe('2026-05-01T00:00:00Z');
  });

  it('ignores a next allowed date that has passed', () => {
    const allowance = rehostAllowance({ rehostsUsed: 3, rehostLimit: 4, nextRehostAllowedAt: '2026-02-01T00:00:00Z' }, now);
    expect(allowance).toMatchObject({ allowed: true, nextAllowedAt: null });
  });
});

describe('rehostRefusalText', () => {
  it('adds the date of the next allowed re-host to REHOST_LIMIT', () => {
    const text = rehostRefusalText({ code: 'REHOST_LIMIT', message: 'Limit reached.', nextAllowedAt: '2026-05-01T00:00:00Z' });
    expect(text).toMatch(/^Limit reached\. The next re-host is allowed from /);
    expect(text).toContain('2026');
  });

  it('uses a text per code when the server sends no message', () => {
    expect(rehostRefusalText({ code: 'SAME_HOST', message: '' })).toMatch(/already locked to/);
    expect(rehostRefusalText({ code: 'UNKNOWN', message: '' })).toBe('The key could not be re-hosted.');
  });

  it('trims host IDs', () => {
    expect(normaliseHostId('  00:11:22:33:44:55 ')).toBe('00:11:22:33:44:55');
  });
});
