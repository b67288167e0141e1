import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { REHOST_STEPS, VERSION_UPGRADE_STEPS } from '../lib/steps';
import { Stepper } from './Stepper';

describe('<Stepper>', () => {
  it('shows the six steps, 1–2 done and the current one marked with aria-current="step"', () => {
    render(<Stepper current={4} />);
    const nav = screen.getByRole('navigation', { name: 'Get a Key progress' });
    const items = within(nav).getAllByRole('listitem');
    expect(items).toHaveLength(6);
    expect(items.map((li) => li.querySelector('.stepper__label')?.textContent)).toEqual([
      'Login',
      "Select 'Get a Key'",
      'Input Serial Number',
      'Input Product & Support Registration Information',
      'Confirm Information',
      'Receive a Key',
    ]);
    const current = items.filter((li) => li.getAttribute('aria-current') === 'step');
    expect(current).toHaveLength(1);
    expect(current[0]).toHaveTextContent('Input Product & Support Registration Information');
    expect(items[0]).toHaveTextContent('(completed)');
    expect(items[1]).toHaveTextContent('(completed)');
    expect(items[2]).toHaveTextContent('(completed)');
    expect(items[4]).not.toHaveTextContent('(completed)');
  });

  it('marks "Receive a Key" current at step 6', () => {
    render(<Stepper current={6} />);
    const current = document.querySelector('[aria-current="step"]');
    expect(current).toHaveTextContent('Receive a Key');
  });

  it('shows the eight Version Upgrade steps under their own name', () => {
    render(<Stepper current={6} steps={VERSION_UPGRADE_STEPS} label="Version Upgrade progress" />);
    const nav = screen.getByRole('navigation', { name: 'Version Upgrade progress' });
    const items = within(nav).getAllByRole('listitem');
    expect(items).toHaveLength(8);
    expect(items[5]).toHaveAttribute('aria-current', 'step');
    expect(items[5]).toHaveTextContent('Edit Existing Support Registration Information');
    expect(items[4]).toHaveTextContent('(completed)');
  });

  it('shows the re-host steps', () => {
    render(<Stepper current={3} steps={REHOST_STEPS} label="Re-host progress" />);
    const items = within(screen.getByRole('navigation', { name: 'Re-host progress' })).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('.stepper__label')?.textContent)).toEqual([
      'Login',
      'Select License to Re-host',
      'Input New Host ID',
      'Confirm Re-host',
      'Receive a Key',
    ]);
  });
});
