import { describe, expect, it } from 'vitest';
import {
  checkSymbol,
  checkVoucherCode,
  checkVoucherEntries,
  codesToSend,
  countResults,
  csvCell,
  formatVoucherCode,
  looksLikeVoucherCode,
  mergeVoucherResults,
  normalizeVoucherCode,
  parseCsvRows,
  parseVoucherCsv,
  parseVoucherText,
  usagePercent,
  voucherResultsCsv,
  voucherResultsFileName,
} from './vouchers';

// Computed with backend/keys.py: body + check_symbol(body).
const SERVER_CODES = [
  '0123456789ABCDEZ',
  '0000000000000000',
  'ZZZZZZZZZZZZZZZF',
  '7K3M9QWX2RT8HJND',
  'ABCDEFGHJKMNPQRM',
  'Q4V1T6N0S8W2Z5XT',
];

describe('checkSymbol', () => {
  it('gives the check symbols backend/keys.py gives', () => {
    for (const code of SERVER_CODES) expect(checkSymbol(code.slice(0, 15))).toBe(code.charAt(15));
  });

  it('refuses a symbol outside the alphabet', () => {
    expect(() => checkSymbol('0123456789ABCDU')).toThrow(/Crockford/);
  });
});

describe('normalizeVoucherCode and formatVoucherCode', () => {
  it('upper-cases, drops spaces and dashes and applies the Crockford aliases', () => {
    expect(normalizeVoucherCode(' 7k3m-9qwx 2rt8-hjnd ')).toBe('7K3M9QWX2RT8HJND');
    expect(normalizeVoucherCode('oIlU')).toBe('011V');
  });

  it('groups a code in fours', () => {
    expect(formatVoucherCode('7k3m9qwx2rt8hjnd')).toBe('7K3M-9QWX-2RT8-HJND');
    expect(formatVoucherCode('not a code')).toBe('not a code');
  });
});

describe('checkVoucherCode', () => {
  it('accepts the codes the server made, however they are written', () => {
    expect(checkVoucherCode('7K3M-9QWX-2RT8-HJND')).toEqual({ ok: true, code: '7K3M9QWX2RT8HJND' });
    expect(checkVoucherCode('7k3m 9qwx 2rt8 hjnd')).toEqual({ ok: true, code: '7K3M9QWX2RT8HJND' });
    // O for 0, I/L for 1, U for V: the aliases make the same code.
    expect(checkVoucherCode('Q4UI-T6NO-S8W2-Z5XT')).toEqual({ ok: true, code: 'Q4V1T6N0S8W2Z5XT' });
  });

  it('catches any single wrong symbol and a swap of neighbours', () => {
    const code = '7K3M9QWX2RT8HJND';
    for (let i = 0; i < code.length; i += 1) {
      const wrong = code.slice(0, i) + (code.charAt(i) === 'A' ? 'B' : 'A') + code.slice(i + 1);
      expect(checkVoucherCode(wrong)).toMatchObject({ ok: false, problem: 'CHECK' });
    }
    expect(checkVoucherCode('K73M9QWX2RT8HJND')).toMatchObject({ ok: false, problem: 'CHECK', message: 'check character wrong — a typo?' });
  });

  it('names a wrong length and a character that cannot be in a code', () => {
    expect(checkVoucherCode('7K3M-9QWX-2RT8-HJN')).toMatchObject({ ok: false, problem: 'LENGTH', message: expect.stringMatching(/^15 characters/) });
    expect(checkVoucherCode('7K3M-9QWX-2RT8-HJ!D')).toMatchObject({ ok: false, problem: 'CHARACTERS', message: expect.stringContaining('“!”') });
    expect(looksLikeVoucherCode('7K3M-9QWX-2RT8-HJNA')).toBe(true);
    expect(looksLikeVoucherCode('Voucher code')).toBe(false);
  });
});

describe('parseVoucherText', () => {
  it('takes one code per line, skipping empty lines, and keeps grouped codes whole', () => {
    expect(parseVoucherText('7K3M 9QWX 2RT8 HJND\n\n  0000-0000-0000-0000  \r\nZZZZZZZZZZZZZZZF\n')).toEqual([
      { line: 1, entered: '7K3M 9QWX 2RT8 HJND', sourceLine: 1 },
      { line: 2, entered: '0000-0000-0000-0000', sourceLine: 3 },
      { line: 3, entered: 'ZZZZZZZZZZZZZZZF', sourceLine: 4 },
    ]);
  });

  it('splits commas, semicolons and white space', () => {
    expect(parseVoucherText('AAAA, BBBB;CCCC\tDDDD EEEE').map((e) => e.entered)).toEqual(['AAAA', 'BBBB', 'CCCC', 'DDDD', 'EEEE']);
    expect(parseVoucherText('7K3M9QWX2RT8HJND,0000000000000000').map((e) => e.sourceLine)).toEqual([1, 1]);
  });
});

describe('parseCsvRows and parseVoucherCsv', () => {
  it('reads quoted cells with commas, quotes and line breaks', () => {
    expect(parseCsvRows('a,"b, ""c""",d\r\n"x\ny",z')).toEqual([
      ['a', 'b, "c"', 'd'],
      ['x\ny', 'z'],
    ]);
  });

  it('takes the first column of codes and skips the header', () => {
    const csv = '\uFEFFOrder;Voucher code;Note\n4711;7K3M-9QWX-2RT8-HJND;first\n4712;0000-0000-0000-0001;typo\n4713;;\n4714;ZZZZZZZZZZZZZZZF;"x;y"\n';
    expect(parseVoucherCsv(csv)).toEqual([
      { line: 1, entered: '7K3M-9QWX-2RT8-HJND', sourceLine: 2 },
      { line: 2, entered: '0000-0000-0000-0001', sourceLine: 3 },
      { line: 3, entered: 'ZZZZZZZZZZZZZZZF', sourceLine: 5 },
    ]);
  });

  it('keeps the first row when it is a code, and reads a file without codes as text', () => {
    expect(parseVoucherCsv('7K3M9QWX2RT8HJND\n0000000000000000').map((e) => e.entered)).toEqual(['7K3M9QWX2RT8HJND', '0000000000000000']);
    expect(parseVoucherCsv('abc\ndef').map((e) => e.entered)).toEqual(['abc', 'def']);
  });
});

describe('sending and merging results', () => {
  const entries = checkVoucherEntries(parseVoucherText('7K3M9QWX2RT8HJND\n7K3M9QWX2RT8HJNA\n0000000000000000\nhello'));

  it('sends only the well-formed codes, normalised, and maps the server lines back', () => {
    const { codes, entryIndex } = codesToSend(entries);
    expect(codes).toEqual(['7K3M9QWX2RT8HJND', '0000000000000000']);
    expect(entryIndex).toEqual([0, 2]);
    const rows = mergeVoucherResults(entries, entryIndex, [
      {
        line: 1,
        result: 'CONVERTED',
        message: 'Converted.',
        convertedAt: '2026-12-03T14:05:00Z',
        license: { id: 'lic-1', product: { name: 'Studio', version: '9.2' } },
      },
      { line: 2, result: 'ALREADY_CONVERTED', message: 'Converted before.', convertedAt: '2026-11-01T10:00:00Z', license: null },
    ]);
    expect(rows.map((r) => [r.line, r.result, r.checkedInBrowser])).toEqual([
      [1, 'CONVERTED', false],
      [2, 'TYPO', true],
      [3, 'ALREADY_CONVERTED', false],
      [4, 'TYPO', true],
    ]);
    expect(rows[0]).toMatchObject({ licenseId: 'lic-1', product: 'Studio 9.2' });
    expect(rows[1]!.message).toBe('Check character wrong — a typo? Not sent.');
    expect(countResults(rows)).toEqual({ CONVERTED: 1, TYPO: 2, ALREADY_CONVERTED: 1 });
  });
});

describe('voucherResultsCsv', () => {
  it('writes a header and one quoted row per line, defusing formulas', () => {
    const csv = voucherResultsCsv([
      {
        line: 1,
        entered: '7K3M-9QWX-2RT8-HJND',
        result: 'CONVERTED',
        message: 'Converted into a license of 5 seats, "Studio".',
        licenseId: 'lic-1',
        product: 'Studio 9.2',
        convertedAt: '2026-12-03T14:05:00Z',
        retryAfter: null,
        checkedInBrowser: false,
      },
      {
        line: 2,
        entered: '=HYPERLINK("x")',
        result: 'TYPO',
        message: 'Bad.',
        licenseId: null,
        product: null,
        convertedAt: null,
        retryAfter: null,
        checkedInBrowser: true,
      },
    ]);
    expect(csv).toBe(
      'line,code,result,message,license_id,product,converted_at\r\n' +
        '1,7K3M-9QWX-2RT8-HJND,CONVERTED,"Converted into a license of 5 seats, ""Studio"".",lic-1,Studio 9.2,2026-12-03T14:05:00Z\r\n' +
        '2,"\'=HYPERLINK(""x"")",TYPO,Bad.,,,\r\n',
    );
    expect(csvCell('-1')).toBe("'-1");
    expect(voucherResultsFileName(new Date(2026, 11, 3, 14, 5))).toBe('voucher-results-2026-12-03-1405.csv');
  });
});

describe('usagePercent', () => {
  it('rounds, but says 100 only when all are converted', () => {
    expect(usagePercent(0, 0)).toBe(0);
    expect(usagePercent(1, 3)).toBe(33);
    expect(usagePercent(999, 1000)).toBe(99);
    expect(usagePercent(1000, 1000)).toBe(100);
  });
});
