import { GET_A_KEY_STEPS, stepState } from '../lib/steps';

/** The six "Get a Key" steps with the current one marked aria-current="step". */
export function Stepper({ current }: { current: number }) {
  return (
    <nav className="stepper" aria-label="Get a Key progress">
      <ol className="stepper__list">
        {GET_A_KEY_STEPS.map((step) => {
          const state = stepState(step.number, current);
          return (
            <li
              key={step.number}
              className={`stepper__step stepper__step--${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              <span className="stepper__marker" aria-hidden="true">
                {state === 'done' ? '✓' : step.number}
              </span>
              <span className="stepper__text">
                <span className="visually-hidden">Step {step.number}: </span>
                <span className="stepper__label">{step.label}</span>
                {state === 'done' ? <span className="visually-hidden"> (completed)</span> : null}
              </span>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
