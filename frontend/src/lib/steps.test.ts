import { describe, expect, it } from 'vitest';
import {
  flowFor,
  GET_A_KEY_FLOW,
  GET_A_KEY_STEPS,
  getAKeyViews,
  isInFlight,
  needsRegistration,
  nextView,
  previousView,
  REHOST_FLOW,
  resolveView,
  stepLabelFor,
  stepNumberFor,
  stepState,
  VERSION_UPGRADE_FLOW,
  VERSION_UPGRADE_STEPS,
} from './steps';

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

  it('maps server steps to stepper numbers; renewal targets belong to step 4', () => {
    expect(stepNumberFor('SERIALS')).toBe(3);
    expect(stepNumberFor('RENEWAL_TARGETS')).toBe(4);
    expect(stepNumberFor('REGISTRATION')).toBe(4);
    expect(stepNumberFor('CONFIRM')).toBe(5);
    expect(stepNumberFor('KEYS')).toBe(6);
  });

  it('marks earlier steps done and later ones upcoming', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => stepState(n, 4))).toEqual(['done', 'done', 'done', 'current', 'upcoming', 'upcoming']);
  });
});

describe('Version Upgrade and re-host steps', () => {
  it('has the Version Upgrade steps with their exact labels, and a confirm step of its own', () => {
    expect(VERSION_UPGRADE_STEPS.map((s) => s.label)).toEqual([
      'Login',
      "Select 'Version Upgrade'",
      'Input Notification ID',
      'Select Product to Upgrade',
      'Select Quantity to Upgrade',
      'Edit Existing Support Registration Information',
      'Confirm Upgrade',
      'Receive a Key',
    ]);
  });

  it('maps upgrade and re-host server steps to their stepper numbers', () => {
    const upgrade = (['UPGRADE_PRODUCT', 'UPGRADE_QUANTITY', 'REGISTRATION', 'CONFIRM', 'KEYS'] as const).map((s) =>
      stepNumberFor(s, VERSION_UPGRADE_FLOW),
    );
    // the confirm screen has its own stepper label, not the registration step's
    expect(upgrade).toEqual([4, 5, 6, 7, 8]);
    expect(stepLabelFor('REGISTRATION', VERSION_UPGRADE_FLOW)).toBe('Edit Existing Support Registration Information');
    expect(stepLabelFor('CONFIRM', VERSION_UPGRADE_FLOW)).toBe('Confirm Upgrade');
    expect((['HOST', 'CONFIRM', 'KEYS'] as const).map((s) => stepNumberFor(s, REHOST_FLOW))).toEqual([3, 4, 5]);
  });

  it('finds the wizard for a request kind', () => {
    expect(flowFor('UPGRADE').path('kr 1')).toBe('/version-upgrade/kr%201');
    expect(flowFor('REHOST').path('kr-2')).toBe('/rehost/kr-2');
    expect(flowFor('NEW').path('kr-3')).toBe('/get-a-key/kr-3');
    expect(flowFor('SOMETHING_ELSE')).toBe(GET_A_KEY_FLOW);
  });
});

describe('resolveView', () => {
  const order = GET_A_KEY_FLOW.order;

  it('resumes a draft at the server step', () => {
    expect(resolveView(order, 'DRAFT', 'SERIALS', null)).toBe('SERIALS');
    expect(resolveView(order, 'DRAFT', 'CONFIRM', null)).toBe('CONFIRM');
  });

  it('lets the user go back but never past the server step', () => {
    expect(resolveView(order, 'DRAFT', 'CONFIRM', 'SERIALS')).toBe('SERIALS');
    expect(resolveView(order, 'DRAFT', 'REGISTRATION', 'RENEWAL_TARGETS')).toBe('RENEWAL_TARGETS');
    expect(resolveView(order, 'DRAFT', 'REGISTRATION', 'CONFIRM')).toBe('REGISTRATION');
    expect(resolveView(order, 'DRAFT', 'RENEWAL_TARGETS', 'REGISTRATION')).toBe('RENEWAL_TARGETS');
    expect(resolveView(order, 'DRAFT', 'SERIALS', 'REGISTRATION')).toBe('SERIALS');
  });

  it('ignores a requested step that is not part of the wizard', () => {
    expect(resolveView(order, 'DRAFT', 'CONFIRM', 'HOST')).toBe('CONFIRM');
  });

  it('always shows "Receive a Key" once submitted', () => {
    for (const status of ['SUBMITTED', 'FULFILLING', 'READY', 'FAILED'] as const) {
      expect(resolveView(order, status, 'KEYS', 'SERIALS')).toBe('KEYS');
    }
    expect(isInFlight('FULFILLING')).toBe(true);
    expect(isInFlight('READY')).toBe(false);
  });
});

describe('Get a Key views', () => {
  const order = GET_A_KEY_FLOW.order;
  const renewalOnly = [{ kind: 'RENEWAL' }];
  const mixed = [{ kind: 'NEW' }, { kind: 'RENEWAL' }];

  it('skips the registration for renewal-only requests and renewal targets without renewals', () => {
    const views = getAKeyViews(renewalOnly, 'RENEWAL_TARGETS');
    expect(views.has('REGISTRATION')).toBe(false);
    expect(nextView(order, views, 'SERIALS')).toBe('RENEWAL_TARGETS');
    expect(nextView(order, views, 'RENEWAL_TARGETS')).toBe('CONFIRM');
    expect(previousView(order, views, 'CONFIRM', 'SERIALS')).toBe('RENEWAL_TARGETS');

    const plain = getAKeyViews([{ kind: 'NEW' }], 'REGISTRATION');
    expect(nextView(order, plain, 'SERIALS')).toBe('REGISTRATION');
    expect(previousView(order, plain, 'REGISTRATION', 'SERIALS')).toBe('SERIALS');
  });

  it('visits renewal targets, then the registration, for mixed requests', () => {
    const views = getAKeyViews(mixed, 'RENEWAL_TARGETS');
    expect(nextView(order, views, 'RENEWAL_TARGETS')).toBe('REGISTRATION');
    expect(previousView(order, views, 'CONFIRM', 'SERIALS')).toBe('REGISTRATION');
    expect(previousView(order, views, 'REGISTRATION', 'SERIALS')).toBe('RENEWAL_TARGETS');
  });

  it('follows the server when it asks for a step the serials do not suggest', () => {
    expect(getAKeyViews(renewalOnly, 'REGISTRATION').has('REGISTRATION')).toBe(true);
  });

  it('needs a registration only for new serials', () => {
    expect(needsRegistration(renewalOnly)).toBe(false);
    expect(needsRegistration(mixed)).toBe(true);
    expect(needsRegistration([])).toBe(false);
  });
});

describe('voucher conversions', () => {
  it('lead to the Voucher Center, not to a wizard', () => {
    expect(flowFor('VOUCHER').path('S2V5UmVxdWVzdDox')).toBe('/vouchers');
    expect(flowFor('VOUCHER').kind).toBe('VOUCHER');
  });
});
