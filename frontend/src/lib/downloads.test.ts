import { describe, expect, it } from 'vitest';
import {
  formatExactBytes,
  formatFileSize,
  formatPlatform,
  groupByVersion,
  guessVerifySystem,
  linkMayHaveExpired,
  listPlatforms,
  LINK_FRESH_MS,
  receivedAt,
  verifyAnswer,
  verifyCommand,
} from './downloads';

const SHA = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';

describe('formatFileSize', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [999, '999 bytes'],
    [1000, '1 KB'],
    [1536, '1.54 KB'],
    [999_950, '1 MB'],
    [432_537_600, '433 MB'],
    [2_147_483_648, '2.15 GB'],
    [5_000_000_000_000, '5 TB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatFileSize(bytes)).toBe(text);
  });

  it('says nothing it cannot know', () => {
    expect(formatFileSize(-1)).toBe('—');
    expect(formatFileSize(Number.NaN)).toBe('—');
  });

  it('gives the exact count too', () => {
    expect(formatExactBytes(2_147_483_648)).toBe('2,147,483,648 bytes');
  });
});

describe('verifyCommand', () => {
  it('checks the file itself on each system, in lower-case hex', () => {
    expect(verifyCommand('LINUX', 'eps.tar.gz', SHA)).toBe(`echo '${SHA.toLowerCase()}  eps.tar.gz' | sha256sum --check`);
    expect(verifyCommand('MACOS', 'eps.pkg', SHA)).toBe(`echo '${SHA.toLowerCase()}  eps.pkg' | shasum -a 256 --check`);
    expect(verifyCommand('WINDOWS', 'eps.msi', SHA)).toBe(
      `(Get-FileHash -Algorithm SHA256 -LiteralPath 'eps.msi').Hash -eq '${SHA.toLowerCase()}'`,
    );
  });

  it('quotes a file name with a quote, spaces or shell characters so it stays one word', () => {
    const name = "Bob's tool $(rm -rf ~) v2.zip";
    expect(verifyCommand('LINUX', name, SHA)).toBe(`echo '${SHA.toLowerCase()}  Bob'\\''s tool $(rm -rf ~) v2.zip' | sha256sum --check`);
    expect(verifyCommand('WINDOWS', name, SHA)).toBe(
      `(Get-FileHash -Algorithm SHA256 -LiteralPath 'Bob''s tool $(rm -rf ~) v2.zip').Hash -eq '${SHA.toLowerCase()}'`,
    );
  });

  it('names what an intact file prints', () => {
    expect(verifyAnswer('LINUX', 'eps.tar.gz')).toBe('eps.tar.gz: OK');
    expect(verifyAnswer('WINDOWS', 'eps.msi')).toBe('True');
  });
});

describe('guessVerifySystem', () => {
  it('reads the system from the user agent, Linux when it cannot tell', () => {
    expect(guessVerifySystem('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0')).toBe('WINDOWS');
    expect(guessVerifySystem('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15')).toBe('MACOS');
    expect(guessVerifySystem('Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0')).toBe('LINUX');
    expect(guessVerifySystem(null)).toBe('LINUX');
  });
});

describe('link freshness', () => {
  it('counts a link as possibly expired a minute before the server does', () => {
    expect(LINK_FRESH_MS).toBe(4 * 60 * 1000);
    expect(linkMayHaveExpired(1_000, 1_000 + LINK_FRESH_MS - 1)).toBe(false);
    expect(linkMayHaveExpired(1_000, 1_000 + LINK_FRESH_MS)).toBe(true);
  });

  it('keeps the first arrival time of an answer shown again from the cache', () => {
    const answer = {};
    expect(receivedAt(answer, 100)).toBe(100);
    expect(receivedAt(answer, 900)).toBe(100);
    expect(receivedAt({}, 900)).toBe(900);
  });
});

describe('groupByVersion', () => {
  const product = { id: 'p-1' };
  const release = (id: string, version: string, platform: string, more: Partial<{ releasedOn: string; notes: string; lockedReason: string | null }> = {}) => ({
    id,
    version,
    platform,
    releasedOn: '2026-11-01',
    notes: 'Fixes.',
    lockedReason: null,
    product,
    ...more,
  });

  it('groups platforms under their version in the server’s order, notes and lock said once when shared', () => {
    const groups = groupByVersion([
      release('a', '2.0', 'Windows', { releasedOn: '2026-11-01' }),
      release('b', '2.0', 'Linux', { releasedOn: '2026-11-03', notes: 'Fixes.\n' }),
      release('c', '1.0', 'Windows', { lockedReason: 'Maintenance ended.' }),
      release('d', '1.0', 'Linux', { lockedReason: 'Maintenance ended.', notes: 'Linux only.' }),
    ]);
    expect(groups.map((g) => [g.version, g.releases.map((r) => r.platform)])).toEqual([
      ['2.0', ['Windows', 'Linux']],
      ['1.0', ['Windows', 'Linux']],
    ]);
    expect(groups[0]).toMatchObject({ releasedOn: '2026-11-03', sharedNotes: 'Fixes.', sharedLockedReason: null });
    expect(groups[1]).toMatchObject({ sharedNotes: null, sharedLockedReason: 'Maintenance ended.' });
  });

  it('keeps the same version of two products apart', () => {
    const groups = groupByVersion([release('a', '1.0', 'Windows'), { ...release('b', '1.0', 'Windows'), product: { id: 'p-2' } }]);
    expect(groups).toHaveLength(2);
  });

  it('lists platforms as a sentence', () => {
    expect(listPlatforms(['Windows'])).toBe('Windows');
    expect(listPlatforms(['Windows', 'Linux', 'macOS'])).toBe('Windows, Linux and macOS');
  });
});

describe('formatPlatform', () => {
  it('spells the usual platform names, and leaves others as published', () => {
    expect(formatPlatform('windows-x64')).toBe('Windows x64');
    expect(formatPlatform('linux-arm64')).toBe('Linux ARM64');
    expect(formatPlatform('macos')).toBe('macOS');
    expect(formatPlatform('Solaris SPARC')).toBe('Solaris SPARC');
    expect(formatPlatform('Windows')).toBe('Windows');
  });
});
