import { describe, expect, it } from 'vitest';
import { GET_A_KEY_STEPS, isInFlight, resolveWizardStep, stepNumberFor, stepState } from './steps';

describe('Get a Key steps', () => {
  it('has the six steps with their exact labels', () => {
    expect(GET_A_KEY_STEPS.map((s) => `${s.number} ${s.label}`)).toEqual([
      '1 Login',
      "2 Select 'Get a Key'",
      '3 Input Serial Number',
      '4 Input Product & Support Registration Information',
      '5 Confirm Information',
      '6 Receive a Key',
    ]);
  });

  it('maps server steps to stepper numbers', () => {
    expect(stepNumberFor('SERIALS')).toBe(3);
    expect(stepNumberFor('REGISTRATION')).toBe(4);
    expect(stepNumberFor('CONFIRM')).toBe(5);
    expect(stepNumberFor('KEYS')).toBe(6);
  });

  it('marks earlier steps done and later ones upcoming', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => stepState(n, 4))).toEqual(['done', 'done', 'done', 'current', 'upcoming', 'upcoming']);
  });
});

describe('resolveWizardStep', () => {
  it('resumes a draft at the server step', () => {
    expect(resolveWizardStep('DRAFT', 'SERIALS', null)).toBe(3);
    expect(resolveWizardStep('DRAFT', 'CONFIRM', null)).toBe(5);
  });

  it('lets the customer go back but never past the server step', () => {
    expect(resolveWizardStep('DRAFT', 'CONFIRM', 3)).toBe(3);
    expect(resolveWizardStep('DRAFT', 'REGISTRATION', 3)).toBe(3);
    expect(resolveWizardStep('DRAFT', 'REGISTRATION', 5)).toBe(4);
    expect(resolveWizardStep('DRAFT', 'SERIALS', 4)).toBe(3);
  });

  it('always shows "Receive a Key" once submitted', () => {
    for (const status of ['SUBMITTED', 'FULFILLING', 'READY', 'FAILED'] as const) {
      expect(resolveWizardStep(status, 'KEYS', 3)).toBe(6);
    }
    expect(isInFlight('FULFILLING')).toBe(true);
    expect(isInFlight('READY')).toBe(false);
  });
});
