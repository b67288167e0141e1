import { describe, expect, it } from 'vitest';
import { orderProblems, parseSerialText, serialCountLabel } from './serials';

describe('parseSerialText', () => {
  it('splits on new lines, commas and spaces', () => {
    expect(parseSerialText('AAA-1\nBBB-2, CCC-3 DDD-4')).toEqual(['AAA-1', 'BBB-2', 'CCC-3', 'DDD-4']);
  });

  it('ignores blank entries, tabs, CRLF and semicolons', () => {
    expect(parseSerialText('  \r\nAAA-1;\t\tBBB-2,,\r\n\n  ')).toEqual(['AAA-1', 'BBB-2']);
  });

  it('returns nothing for empty input', () => {
    expect(parseSerialText('')).toEqual([]);
    expect(parseSerialText(' , \n ')).toEqual([]);
  });

  it('keeps the first of repeated serials, ignoring case', () => {
    expect(parseSerialText('abc-1 ABC-1 def-2 abc-1')).toEqual(['abc-1', 'def-2']);
  });
});

describe('orderProblems', () => {
  const problem = (serialNumber: string, code = 'UNKNOWN') => ({ serialNumber, code, message: `${serialNumber} ${code}` });

  it('lists problems in the order the serials were entered', () => {
    const ordered = orderProblems([problem('C'), problem('A'), problem('B', 'VOID')], ['A', 'B', 'C']);
    expect(ordered.map((p) => p.serialNumber)).toEqual(['A', 'B', 'C']);
  });

  it('matches case-insensitively and puts unknown serials last in server order', () => {
    const ordered = orderProblems([problem('zzz'), problem('b'), problem('yyy'), problem('A')], ['a', 'B']);
    expect(ordered.map((p) => p.serialNumber)).toEqual(['A', 'b', 'zzz', 'yyy']);
  });
});

describe('serialCountLabel', () => {
  it('uses singular and plural', () => {
    expect(serialCountLabel(1)).toBe('1 serial number');
    expect(serialCountLabel(3)).toBe('3 serial numbers');
  });
});
