import { describe, expect, it } from 'vitest';
import { cleanOptions, formatCustomValue, validateCustomFieldDraft } from './customFields';

describe('custom fields', () => {
  it('requires a unique name and, for choices, distinct options', () => {
    expect(validateCustomFieldDraft({ name: ' ', type: 'TEXT', options: [], required: false })).toEqual({ name: 'Enter a name for the field.' });
    expect(validateCustomFieldDraft({ name: 'Region', type: 'TEXT', options: [], required: false }, ['region'])).toEqual({
      name: 'A field named "Region" already exists.',
    });
    expect(validateCustomFieldDraft({ name: 'Region', type: 'CHOICE', options: ['', ' '], required: false })).toEqual({
      options: 'A choice field needs at least one option.',
    });
    expect(validateCustomFieldDraft({ name: 'Region', type: 'CHOICE', options: ['EMEA', 'emea '], required: false })).toEqual({
      options: 'The option "emea" is listed twice.',
    });
    expect(validateCustomFieldDraft({ name: 'Region', type: 'CHOICE', options: ['EMEA', 'APAC'], required: true })).toEqual({});
  });

  it('sends trimmed options for choices only', () => {
    expect(cleanOptions({ name: 'R', type: 'CHOICE', options: [' EMEA ', '', 'APAC'], required: false })).toEqual(['EMEA', 'APAC']);
    expect(cleanOptions({ name: 'R', type: 'TEXT', options: ['x'], required: false })).toEqual([]);
  });

  it('formats stored values', () => {
    expect(formatCustomValue('TEXT', '')).toBe('—');
    expect(formatCustomValue('NUMBER', '12.5')).toBe('12.5');
    expect(formatCustomValue('DATE', '2027-03-01')).toMatch(/2027/);
  });
});
