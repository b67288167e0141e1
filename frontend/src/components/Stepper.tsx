import type { CSSProperties } from 'react';
import { GET_A_KEY_STEPS, stepState, type StepDefinition } from '../lib/steps';

interface StepperProps {
  current: number;
  /** The wizard's steps; the six "Get a Key" steps unless given. */
  steps?: readonly StepDefinition[];
  /** Accessible name of the progress navigation. */
  label?: string;
}

/** A wizard's numbered steps with the current one marked aria-current="step". */
export function Stepper({ current, steps = GET_A_KEY_STEPS, label = 'Get a Key progress' }: StepperProps) {
  const style = { '--stepper-count': steps.length } as CSSProperties;
  return (
    <nav className="stepper" aria-label={label}>
      <ol className="stepper__list" style={style}>
        {steps.map((step) => {
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
