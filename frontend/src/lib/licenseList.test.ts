import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SORT,
  exportCsvUrl,
  licenseFilesZipUrl,
  listStateToParams,
  nextSort,
  pageRangeText,
  parseListState,
  readHiddenColumns,
  toLicenseFilter,
  toLicenseOrder,
  withFirstPage,
  writeHiddenColumns,
} from './licenseList';

describe('license list state', () => {
  it('reads defaults from an empty query string', () => {
    const state = parseListState(new URLSearchParams(''));
    expect(state).toEqual({
      search: '',
      productSku: '',
      statuses: [],
      expiringWithinDays: null,
      customFields: {},
      sort: DEFAULT_SORT,
      pageSize: 50,
      after: null,
      page: 1,
    });
    expect(toLicenseFilter(state)).toBeNull();
    expect(listStateToParams(state).toString()).toBe('');
  });

  it('round-trips filters, order and page through the query string', () => {
    const query = 'q=acme&product=EPS-14&status=ACTIVE%2CEXPIRED&expiring=30&cf.cf-1=EMEA&sort=CUSTOM_FIELD%3Acf-1&dir=desc&size=100&after=abc&page=3';
    const state = parseListState(new URLSearchParams(query));
    expect(state.sort).toEqual({ field: 'CUSTOM_FIELD', direction: 'DESC', customFieldId: 'cf-1' });
    expect(listStateToParams(state).toString()).toBe(query);
    expect(toLicenseFilter(state)).toEqual({
      search: 'acme',
      productSku: 'EPS-14',
      status: ['ACTIVE', 'EXPIRED'],
      expiringWithinDays: 30,
      customFields: [{ fieldId: 'cf-1', value: 'EMEA' }],
    });
    expect(toLicenseOrder(state.sort)).toEqual({ field: 'CUSTOM_FIELD', direction: 'DESC', customFieldId: 'cf-1' });
  });

  it('ignores broken values', () => {
    const state = parseListState(new URLSearchParams('status=NOPE,active&size=77&expiring=-3&sort=DROP&page=9'));
    expect(state.statuses).toEqual(['ACTIVE']);
    expect(state.pageSize).toBe(50);
    expect(state.expiringWithinDays).toBeNull();
    expect(state.sort).toEqual(DEFAULT_SORT);
    expect(state.page).toBe(1);
  });

  it('goes back to the first page when filters change', () => {
    const state = parseListState(new URLSearchParams('after=abc&page=4'));
    expect(withFirstPage(state, { search: 'x' })).toMatchObject({ search: 'x', after: null, page: 1 });
  });

  it('flips the direction of the sorted column and starts other columns in their natural order', () => {
    expect(nextSort(DEFAULT_SORT, 'CREATED_AT')).toEqual({ field: 'CREATED_AT', direction: 'ASC' });
    expect(nextSort(DEFAULT_SORT, 'PRODUCT')).toEqual({ field: 'PRODUCT', direction: 'ASC' });
    expect(nextSort(DEFAULT_SORT, 'MAINTENANCE_UNTIL')).toEqual({ field: 'MAINTENANCE_UNTIL', direction: 'DESC' });
    const byField = nextSort(DEFAULT_SORT, 'CUSTOM_FIELD', 'cf-1');
    expect(nextSort(byField, 'CUSTOM_FIELD', 'cf-2')).toEqual({ field: 'CUSTOM_FIELD', direction: 'ASC', customFieldId: 'cf-2' });
    expect(nextSort(byField, 'CUSTOM_FIELD', 'cf-1')).toEqual({ field: 'CUSTOM_FIELD', direction: 'DESC', customFieldId: 'cf-1' });
  });

  it('describes the visible range', () => {
    expect(pageRangeText(1, 50, 50, 100000)).toBe('1–50 of 100,000');
    expect(pageRangeText(3, 25, 10, 60)).toBe('51–60 of 60');
    expect(pageRangeText(1, 50, 0, 0)).toBe('0 of 0');
  });

  it('builds the download links', () => {
    const url = exportCsvUrl('acc-1', { status: ['ACTIVE'] }, { field: 'PRODUCT', direction: 'ASC' });
    const params = new URL(url, 'http://portal.test').searchParams;
    expect(url.startsWith('/api/licenses/export.csv?')).toBe(true);
    expect(params.get('accountId')).toBe('acc-1');
    expect(JSON.parse(params.get('filter')!)).toEqual({ status: ['ACTIVE'] });
    expect(JSON.parse(params.get('orderBy')!)).toEqual({ field: 'PRODUCT', direction: 'ASC' });
    expect(licenseFilesZipUrl(null, ['a', 'b'])).toBe('/api/licenses/files.zip?ids=a%2Cb');
  });

  it('remembers hidden columns per account', () => {
    expect(readHiddenColumns('acc-1')).toEqual(['owner', 'activationKey']);
    writeHiddenColumns('acc-1', ['hostId', 'cf:cf-1']);
    expect(readHiddenColumns('acc-1')).toEqual(['hostId', 'cf:cf-1']);
    expect(readHiddenColumns('acc-2')).toEqual(['owner', 'activationKey']);
  });
});
