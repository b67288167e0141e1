export type ServerStep = 'SERIALS' | 'REGISTRATION' | 'CONFIRM' | 'KEYS';
export type RequestStatus = 'DRAFT' | 'SUBMITTED' | 'FULFILLING' | 'READY' | 'FAILED' | 'EXPIRED';

/** Step numbers the wizard can show itself (1 and 2 happen before it opens). */
export type WizardStep = 3 | 4 | 5 | 6;

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

const STEP_NUMBERS: Record<ServerStep, WizardStep> = {
  SERIALS: 3,
  REGISTRATION: 4,
  CONFIRM: 5,
  KEYS: 6,
};

/** Maps KeyRequest.step to the number of the step shown in the stepper. */
export function stepNumberFor(step: ServerStep): WizardStep {
  return STEP_NUMBERS[step];
}

export type StepState = 'done' | 'current' | 'upcoming';

/** Whether step `number` is done, current or still to come when `current` is shown. */
export function stepState(number: number, current: number): StepState {
  if (number < current) return 'done';
  if (number === current) return 'current';
  return 'upcoming';
}

/**
 * Decides which wizard step to show.
 *
 * - Once a request has left DRAFT (submitted, signing, ready, failed) only
 *   "Receive a Key" makes sense.
 * - Otherwise the customer may look at any step up to the one the server has
 *   reached (e.g. go back from Confirm to edit serials), but not beyond it.
 * - With no explicit choice the wizard resumes at the server's step.
 */
export function resolveWizardStep(
  status: RequestStatus,
  serverStep: ServerStep,
  requested: WizardStep | null,
): WizardStep {
  if (status !== 'DRAFT' && status !== 'EXPIRED') return 6;
  const reached = stepNumberFor(serverStep);
  if (requested === null) return reached;
  return requested > reached ? reached : requested;
}

/** True while the server is still producing the keys. */
export function isInFlight(status: RequestStatus): boolean {
  return status === 'SUBMITTED' || status === 'FULFILLING';
}

/** True once nothing more will change for the request. */
export function isSettled(status: RequestStatus): boolean {
  return status === 'READY' || status === 'FAILED' || status === 'EXPIRED';
}
