/** KeyRequest.step: where the request stands, i.e. the next thing the user does. */
export type ServerStep =
  | 'SERIALS'
  | 'RENEWAL_TARGETS'
  | 'REGISTRATION'
  | 'UPGRADE_PRODUCT'
  | 'UPGRADE_QUANTITY'
  | 'FLEX_ITEMS'
  | 'HOST'
  | 'CONFIRM'
  | 'KEYS';
export type RequestStatus = 'DRAFT' | 'SUBMITTED' | 'FULFILLING' | 'READY' | 'FAILED' | 'EXPIRED';
export type RequestKind = 'NEW' | 'UPGRADE' | 'REHOST' | 'FLEX' | 'VOUCHER';

export interface StepDefinition {
  number: number;
  label: string;
}

/** The six steps of "Get a Key", exactly as the certificate and the help pages name them. */
export const GET_A_KEY_STEPS: readonly StepDefinition[] = [
  { number: 1, label: 'Login' },
  { number: 2, label: "Select 'Get a Key'" },
  { number: 3, label: 'Input Serial Number' },
  { number: 4, label: 'Input Product & Support Registration Information' },
  { number: 5, label: 'Confirm Information' },
  { number: 6, label: 'Receive a Key' },
];

/**
 * The steps of "Version Upgrade", as the upgrade notification names them, with the confirmation
 * the notification leaves out (as Get a Key has "Confirm Information"): the confirm screen never
 * sits under the registration step's label.
 */
export const VERSION_UPGRADE_STEPS: readonly StepDefinition[] = [
  { number: 1, label: 'Login' },
  { number: 2, label: "Select 'Version Upgrade'" },
  { number: 3, label: 'Input Notification ID' },
  { number: 4, label: 'Select Product to Upgrade' },
  { number: 5, label: 'Select Quantity to Upgrade' },
  { number: 6, label: 'Edit Existing Support Registration Information' },
  { number: 7, label: 'Confirm Upgrade' },
  { number: 8, label: 'Receive a Key' },
];

/** The steps of moving a host-locked key to another machine. */
export const REHOST_STEPS: readonly StepDefinition[] = [
  { number: 1, label: 'Login' },
  { number: 2, label: 'Select License to Re-host' },
  { number: 3, label: 'Input New Host ID' },
  { number: 4, label: 'Confirm Re-host' },
  { number: 5, label: 'Receive a Key' },
];

/** What each kind of key request is called, its steps and the order of its server steps. */
export interface WizardFlow {
  kind: RequestKind;
  title: string;
  /** What one request is called in sentences: "key request", "version upgrade". */
  noun: string;
  steps: readonly StepDefinition[];
  /** Server steps in the order the wizard visits them. */
  order: readonly ServerStep[];
  /** Stepper number shown for each server step. */
  numbers: Partial<Record<ServerStep, number>>;
  /** Route of the wizard for a key request id. */
  path: (id: string) => string;
  /** Route that starts a new request of this kind. */
  startPath: string;
}

export const GET_A_KEY_FLOW: WizardFlow = {
  kind: 'NEW',
  title: 'Get a Key',
  noun: 'key request',
  steps: GET_A_KEY_STEPS,
  order: ['SERIALS', 'RENEWAL_TARGETS', 'REGISTRATION', 'CONFIRM', 'KEYS'],
  numbers: { SERIALS: 3, RENEWAL_TARGETS: 4, REGISTRATION: 4, CONFIRM: 5, KEYS: 6 },
  path: (id) => `/get-a-key/${encodeURIComponent(id)}`,
  startPath: '/get-a-key',
};

export const VERSION_UPGRADE_FLOW: WizardFlow = {
  kind: 'UPGRADE',
  title: 'Version Upgrade',
  noun: 'version upgrade',
  steps: VERSION_UPGRADE_STEPS,
  order: ['UPGRADE_PRODUCT', 'UPGRADE_QUANTITY', 'REGISTRATION', 'CONFIRM', 'KEYS'],
  numbers: { UPGRADE_PRODUCT: 4, UPGRADE_QUANTITY: 5, REGISTRATION: 6, CONFIRM: 7, KEYS: 8 },
  path: (id) => `/version-upgrade/${encodeURIComponent(id)}`,
  startPath: '/version-upgrade',
};

export const REHOST_FLOW: WizardFlow = {
  kind: 'REHOST',
  title: 'Re-host',
  noun: 're-host request',
  steps: REHOST_STEPS,
  order: ['HOST', 'CONFIRM', 'KEYS'],
  numbers: { HOST: 3, CONFIRM: 4, KEYS: 5 },
  path: (id) => `/rehost/${encodeURIComponent(id)}`,
  startPath: '/licenses',
};

/** The steps of an Enterprise Flexible draw-down. */
export const FLEX_DRAW_DOWN_STEPS: readonly StepDefinition[] = [
  { number: 1, label: 'Choose Products' },
  { number: 2, label: 'Support Registration' },
  { number: 3, label: 'Confirm Draw-down' },
  { number: 4, label: 'Receive Keys' },
];

export const FLEX_DRAW_DOWN_FLOW: WizardFlow = {
  kind: 'FLEX',
  title: 'Draw down licenses',
  noun: 'draw-down',
  steps: FLEX_DRAW_DOWN_STEPS,
  order: ['FLEX_ITEMS', 'REGISTRATION', 'CONFIRM', 'KEYS'],
  numbers: { FLEX_ITEMS: 1, REGISTRATION: 2, CONFIRM: 3, KEYS: 4 },
  path: (id) => `/flex/draw-downs/${encodeURIComponent(id)}`,
  startPath: '/flex',
};

/**
 * A voucher conversion is one step, not a wizard: its codes and keys live on the Voucher Center,
 * which is where a conversion in a key-request list leads (the wizards would send it back here).
 */
export const VOUCHER_CONVERSION_FLOW: WizardFlow = {
  kind: 'VOUCHER',
  title: 'Voucher conversion',
  noun: 'voucher conversion',
  steps: [
    { number: 1, label: 'Enter Voucher Codes' },
    { number: 2, label: 'Receive Keys' },
  ],
  order: ['KEYS'],
  numbers: { KEYS: 2 },
  path: () => '/vouchers',
  startPath: '/vouchers',
};

const FLOWS: Record<RequestKind, WizardFlow> = {
  NEW: GET_A_KEY_FLOW,
  UPGRADE: VERSION_UPGRADE_FLOW,
  REHOST: REHOST_FLOW,
  FLEX: FLEX_DRAW_DOWN_FLOW,
  VOUCHER: VOUCHER_CONVERSION_FLOW,
};

/** The wizard that handles key requests of `kind` (Get a Key for unknown kinds). */
export function flowFor(kind: string | null | undefined): WizardFlow {
  return FLOWS[kind as RequestKind] ?? GET_A_KEY_FLOW;
}

/** Maps KeyRequest.step to the number of the step shown in the stepper of `flow`. */
export function stepNumberFor(step: ServerStep, flow: WizardFlow = GET_A_KEY_FLOW): number {
  return flow.numbers[step] ?? flow.numbers[flow.order[0]!] ?? 3;
}

/** The stepper label shown for a server step, e.g. "Input Serial Number". */
export function stepLabelFor(step: ServerStep, flow: WizardFlow = GET_A_KEY_FLOW): string {
  const number = stepNumberFor(step, flow);
  return flow.steps.find((s) => s.number === number)?.label ?? '';
}

export type StepState = 'done' | 'current' | 'upcoming';

/** Whether step `number` is done, current or still to come when `current` is shown. */
export function stepState(number: number, current: number): StepState {
  if (number < current) return 'done';
  if (number === current) return 'current';
  return 'upcoming';
}

/**
 * Decides which server step (view) the wizard shows.
 *
 * - Once a request has left DRAFT (submitted, signing, ready, failed) only
 *   "Receive a Key" makes sense.
 * - Otherwise the user may look at any step up to the one the server has
 *   reached (e.g. go back from Confirm to edit serials), but not beyond it.
 * - With no explicit choice the wizard resumes at the server's step.
 */
export function resolveView(
  order: readonly ServerStep[],
  status: RequestStatus,
  serverStep: ServerStep,
  requested: ServerStep | null,
): ServerStep {
  if (status !== 'DRAFT' && status !== 'EXPIRED') return 'KEYS';
  if (requested === null) return serverStep;
  const reached = order.indexOf(serverStep);
  const wanted = order.indexOf(requested);
  if (wanted === -1 || reached === -1 || wanted > reached) return serverStep;
  return requested;
}

/** The first of `applicable` after `current` in `order`, or `fallback` when there is none. */
export function nextView(
  order: readonly ServerStep[],
  applicable: ReadonlySet<ServerStep>,
  current: ServerStep,
  fallback: ServerStep = 'CONFIRM',
): ServerStep {
  const start = order.indexOf(current);
  return order.slice(start + 1).find((step) => applicable.has(step)) ?? fallback;
}

/** The last of `applicable` before `current` in `order`, or `fallback` when there is none. */
export function previousView(
  order: readonly ServerStep[],
  applicable: ReadonlySet<ServerStep>,
  current: ServerStep,
  fallback: ServerStep,
): ServerStep {
  const end = order.indexOf(current);
  const before = end === -1 ? [] : order.slice(0, end);
  return [...before].reverse().find((step) => applicable.has(step)) ?? fallback;
}

/**
 * The Get a Key steps a request goes through: renewal targets only when it
 * holds renewal serials, the registration only when it holds new serials
 * (plus whatever step the server says comes next).
 */
export function getAKeyViews(serials: readonly { kind: string }[], serverStep: ServerStep): Set<ServerStep> {
  const views = new Set<ServerStep>(['SERIALS', 'CONFIRM', 'KEYS', serverStep]);
  if (serials.some((s) => s.kind === 'RENEWAL')) views.add('RENEWAL_TARGETS');
  if (serials.some((s) => s.kind === 'NEW')) views.add('REGISTRATION');
  return views;
}

/** True when a Get a Key request needs a support registration: it holds new (not renewal) serials. */
export function needsRegistration(serials: readonly { kind: string }[]): boolean {
  return serials.some((s) => s.kind === 'NEW');
}

/** True while the server is still producing the keys. */
export function isInFlight(status: RequestStatus): boolean {
  return status === 'SUBMITTED' || status === 'FULFILLING';
}

/** True once nothing more will change for the request. */
export function isSettled(status: RequestStatus): boolean {
  return status === 'READY' || status === 'FAILED' || status === 'EXPIRED';
}
