/**
 * Voucher codes in the browser: the same normalisation and check symbol as the
 * server (backend/keys.py), so a typo is caught before anything is sent; the
 * parsing of pasted text and CSV uploads; and the per-line results as a CSV.
 */

/** Crockford base32, as backend/keys.py CROCKFORD. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const INDEX: ReadonlyMap<string, number> = new Map(Array.from(CROCKFORD, (char, index) => [char, index]));
/** Crockford's aliases for symbols people misread, as backend/keys.py CROCKFORD_ALIASES. */
const ALIASES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1', U: 'V' };

/** Symbols in a voucher code: 15 random ones and a check symbol. */
export const VOUCHER_CODE_LENGTH = 16;
/** How many codes one conversion takes; the server refuses longer lists. */
export const MAX_CODES_PER_CONVERSION = 10_000;

/** One line's outcome, as the server's VoucherResult. */
export type VoucherResultCode =
  | 'CONVERTED'
  | 'ALREADY_CONVERTED'
  | 'EXPIRED'
  | 'VOID'
  | 'TYPO'
  | 'UNKNOWN'
  | 'DUPLICATE'
  | 'RATE_LIMITED';

/** Upper case, without spaces and dashes, with Crockford's aliases (O→0, I→1, L→1, U→V) applied. */
export function normalizeVoucherCode(text: string): string {
  let out = '';
  for (const char of text.toUpperCase()) {
    if (char === '-' || /\s/.test(char)) continue;
    out += ALIASES[char] ?? char;
  }
  return out;
}

/**
 * Luhn mod 32 over Crockford base32, exactly backend/keys.py check_symbol(): catches
 * any single wrong symbol and most swaps of neighbours. `symbols` must be normalised.
 */
export function checkSymbol(symbols: string): string {
  let factor = 2;
  let total = 0;
  for (let i = symbols.length - 1; i >= 0; i -= 1) {
    const index = INDEX.get(symbols.charAt(i));
    if (index === undefined) throw new Error(`Not a Crockford base32 symbol: ${symbols.charAt(i)}`);
    const addend = factor * index;
    factor = factor === 2 ? 1 : 2;
    total += Math.floor(addend / 32) + (addend % 32);
  }
  return CROCKFORD.charAt((32 - (total % 32)) % 32);
}

/** "XXXX-XXXX-XXXX-XXXX" for a normalised code; other text as it is. */
export function formatVoucherCode(code: string): string {
  const symbols = normalizeVoucherCode(code);
  if (symbols.length !== VOUCHER_CODE_LENGTH) return code.trim();
  return symbols.match(/.{4}/g)!.join('-');
}

export type VoucherCodeProblem = 'LENGTH' | 'CHARACTERS' | 'CHECK';

export type VoucherCodeCheck =
  | { ok: true; code: string }
  | { ok: false; problem: VoucherCodeProblem; message: string };

/** Whether `text` can be a voucher code: 16 symbols of the alphabet whose last is the check symbol of the others. */
export function checkVoucherCode(text: string): VoucherCodeCheck {
  const code = normalizeVoucherCode(text);
  const foreign = Array.from(code).find((char) => !INDEX.has(char));
  if (foreign !== undefined) {
    return { ok: false, problem: 'CHARACTERS', message: `“${foreign}” cannot be in a voucher code — a typo?` };
  }
  if (code.length !== VOUCHER_CODE_LENGTH) {
    return {
      ok: false,
      problem: 'LENGTH',
      message: `${code.length} character${code.length === 1 ? '' : 's'}; a voucher code has ${VOUCHER_CODE_LENGTH} — a character missing or one too many?`,
    };
  }
  if (checkSymbol(code.slice(0, -1)) !== code.charAt(VOUCHER_CODE_LENGTH - 1)) {
    return { ok: false, problem: 'CHECK', message: 'check character wrong — a typo?' };
  }
  return { ok: true, code };
}

/** True when `text` has the shape of a code (16 symbols of the alphabet), right check symbol or not. */
export function looksLikeVoucherCode(text: string): boolean {
  const code = normalizeVoucherCode(text);
  return code.length === VOUCHER_CODE_LENGTH && Array.from(code).every((char) => INDEX.has(char));
}

/** A code as the user gave it, with where it came from. */
export interface VoucherEntry {
  /** 1-based position among the codes: the "line" of the results. */
  line: number;
  /** The code as entered (trimmed). */
  entered: string;
  /** The line of the pasted text or the row of the CSV file it was on (1-based). */
  sourceLine: number;
}

/**
 * The codes in pasted text: one per line, or separated by commas, semicolons or
 * white space. A code written in groups with single spaces ("7K3M 9QWX 2RT8 HJND")
 * stays one code. Empty pieces are dropped.
 */
export function parseVoucherText(text: string): VoucherEntry[] {
  const entries: VoucherEntry[] = [];
  text.split(/\r\n|\r|\n/).forEach((row, index) => {
    for (const piece of splitRow(row)) entries.push({ line: entries.length + 1, entered: piece, sourceLine: index + 1 });
  });
  return entries;
}

function splitRow(row: string): string[] {
  const trimmed = row.trim();
  if (!trimmed) return [];
  // The whole row is one code written in groups ("7K3M 9QWX 2RT8 HJND", "7K3M-9QWX…").
  if (!/[,;\t]/.test(trimmed) && looksLikeVoucherCode(trimmed)) return [trimmed];
  return trimmed
    .split(/[\s,;]+/)
    .map((piece) => piece.trim())
    .filter(Boolean);
}

/** The rows of a CSV text (RFC 4180 quoting; the delimiter is a comma, a semicolon or a tab, whichever the first row uses). */
export function parseCsvRows(text: string): string[][] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = body.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const delimiter = [',', ';', '\t'].reduce((best, candidate) => (count(firstLine, candidate) > count(firstLine, best) ? candidate : best), ',');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const char = body.charAt(i);
    if (quoted) {
      if (char === '"') {
        if (body.charAt(i + 1) === '"') {
          cell += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        cell += char;
      }
    } else if (char === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (char === delimiter) {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && body.charAt(i + 1) === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += char;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/**
 * The codes of an uploaded CSV file: the first column in which a cell looks
 * like a voucher code; a first row that does not (a header such as "Voucher
 * code") is skipped. Every non-empty cell of that column below is a code, so
 * a mistyped one is reported rather than silently dropped. No column of codes:
 * the text is read as pasted text.
 */
export function parseVoucherCsv(text: string): VoucherEntry[] {
  const rows = parseCsvRows(text);
  const width = rows.reduce((max, row) => Math.max(max, row.length), 0);
  let column = -1;
  for (let c = 0; c < width && column < 0; c += 1) {
    if (rows.some((row) => looksLikeVoucherCode(row[c] ?? ''))) column = c;
  }
  if (column < 0) return parseVoucherText(text);
  const firstRow = rows.findIndex((row) => (row[column] ?? '').trim() !== '');
  const start = firstRow >= 0 && !looksLikeVoucherCode(rows[firstRow]![column] ?? '') ? firstRow + 1 : 0;
  const entries: VoucherEntry[] = [];
  for (let r = start; r < rows.length; r += 1) {
    const cell = (rows[r]![column] ?? '').trim();
    if (cell) entries.push({ line: entries.length + 1, entered: cell, sourceLine: r + 1 });
  }
  return entries;
}

/** An entry with the browser's verdict on it. */
export interface CheckedVoucherEntry extends VoucherEntry {
  check: VoucherCodeCheck;
}

export function checkVoucherEntries(entries: readonly VoucherEntry[]): CheckedVoucherEntry[] {
  return entries.map((entry) => ({ ...entry, check: checkVoucherCode(entry.entered) }));
}

/**
 * What is sent: the well-formed codes only, normalised, and for each the entry it came from.
 * The server numbers its lines by position in `codes`; `entryIndex[line - 1]` maps one back.
 */
export function codesToSend(entries: readonly CheckedVoucherEntry[]): { codes: string[]; entryIndex: number[] } {
  const codes: string[] = [];
  const entryIndex: number[] = [];
  entries.forEach((entry, index) => {
    if (entry.check.ok) {
      codes.push(entry.check.code);
      entryIndex.push(index);
    }
  });
  return { codes, entryIndex };
}

/** One line of the result table and of its CSV. */
export interface VoucherResultRow {
  line: number;
  entered: string;
  result: VoucherResultCode;
  message: string;
  licenseId: string | null;
  product: string | null;
  convertedAt: string | null;
  retryAfter: number | null;
  /** True when the browser found the typo and the code was never sent. */
  checkedInBrowser: boolean;
}

/** A line of the server's answer, as VoucherConversionLine. */
export interface ServerVoucherLine {
  line: number;
  result: VoucherResultCode;
  message: string;
  convertedAt?: string | null;
  retryAfter?: number | null;
  license?: { id: string; product: { name: string; version?: string | null } } | null;
}

/**
 * Every entry's result, in the order entered: the server's answer for the codes sent
 * (mapped back through `entryIndex`), TYPO from the browser check for those not sent.
 */
export function mergeVoucherResults(
  entries: readonly CheckedVoucherEntry[],
  entryIndex: readonly number[],
  serverLines: readonly ServerVoucherLine[],
): VoucherResultRow[] {
  const byEntry = new Map<number, ServerVoucherLine>();
  for (const line of serverLines) {
    const index = entryIndex[line.line - 1];
    if (index !== undefined) byEntry.set(index, line);
  }
  return entries.map((entry, index) => {
    const server = byEntry.get(index);
    if (!entry.check.ok) {
      return {
        line: entry.line,
        entered: entry.entered,
        result: 'TYPO',
        message: `${capitalise(entry.check.message)} Not sent.`,
        licenseId: null,
        product: null,
        convertedAt: null,
        retryAfter: null,
        checkedInBrowser: true,
      };
    }
    if (!server) {
      return {
        line: entry.line,
        entered: entry.entered,
        result: 'UNKNOWN',
        message: 'The server did not answer for this code; send it again.',
        licenseId: null,
        product: null,
        convertedAt: null,
        retryAfter: null,
        checkedInBrowser: false,
      };
    }
    const product = server.license ? [server.license.product.name, server.license.product.version].filter(Boolean).join(' ') : null;
    return {
      line: entry.line,
      entered: entry.entered,
      result: server.result,
      message: server.message,
      licenseId: server.license?.id ?? null,
      product,
      convertedAt: server.convertedAt ?? null,
      retryAfter: server.retryAfter ?? null,
      checkedInBrowser: false,
    };
  });
}

function capitalise(text: string): string {
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.?!]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** How many lines had each result. */
export function countResults(rows: readonly Pick<VoucherResultRow, 'result'>[]): Partial<Record<VoucherResultCode, number>> {
  const counts: Partial<Record<VoucherResultCode, number>> = {};
  for (const row of rows) counts[row.result] = (counts[row.result] ?? 0) + 1;
  return counts;
}

export const RESULT_LABELS: Record<VoucherResultCode, string> = {
  CONVERTED: 'Converted',
  ALREADY_CONVERTED: 'Already converted',
  EXPIRED: 'Expired',
  VOID: 'Void',
  TYPO: 'Typo',
  UNKNOWN: 'Unknown',
  DUPLICATE: 'Duplicate',
  RATE_LIMITED: 'Try later',
};

/** A CSV cell: quoted when needed; text a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const RESULT_CSV_HEADER = ['line', 'code', 'result', 'message', 'license_id', 'product', 'converted_at'] as const;

/** The result table as CSV (header row, CRLF line ends): line, code as entered, result, message, license id, product, converted at. */
export function voucherResultsCsv(rows: readonly VoucherResultRow[]): string {
  const lines = [RESULT_CSV_HEADER.join(',')];
  for (const row of rows) {
    lines.push(
      [row.line, row.entered, row.result, row.message, row.licenseId, row.product, row.convertedAt].map(csvCell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** File name for the results of a conversion made at `when`: "voucher-results-2026-12-03-1405.csv". */
export function voucherResultsFileName(when: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `voucher-results-${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}-${pad(when.getHours())}${pad(when.getMinutes())}.csv`;
}

/** Converted of total as a whole percent, never 100 before all are converted. */
export function usagePercent(converted: number, total: number): number {
  if (total <= 0) return 0;
  const percent = Math.round((converted / total) * 100);
  return converted < total ? Math.min(percent, 99) : 100;
}

/** "1 code" / "3 codes". */
export function codeCountLabel(count: number): string {
  return `${count.toLocaleString('en-US')} code${count === 1 ? '' : 's'}`;
}
