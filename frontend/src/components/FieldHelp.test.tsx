import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HELP_TEXTS } from '../lib/helpTexts';
import { FieldHelp } from './FieldHelp';

describe('<FieldHelp>', () => {
  it('is a button that shows and hides its answer in the region it controls', async () => {
    const user = userEvent.setup();
    render(<FieldHelp topic="hostId" />);
    const button = screen.getByRole('button', { name: 'Where do I find the host ID?' });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('region')).not.toBeInTheDocument(); // hidden

    await user.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const region = screen.getByRole('region', { name: 'Where do I find the host ID?' });
    expect(button).toHaveAttribute('aria-controls', region.id);
    expect(region).toHaveTextContent('run hostid in a terminal');
    expect(region).toHaveTextContent('ipconfig /all');

    await user.keyboard('{Enter}'); // the button keeps focus: Enter closes it again
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });

  it('answers each question concretely, from one module', () => {
    expect(HELP_TEXTS.serialNumber.answer.join(' ')).toMatch(/license certificate.*order confirmation e-mail/);
    expect(HELP_TEXTS.serialNumber.examples?.map((e) => e.value)).toContain('M123-456-7890');
    expect(HELP_TEXTS.notificationId.answer.join(' ')).toMatch(/upgrade notification e-mail.*portal’s notifications.*Lost your notification ID/);
    for (const topic of Object.values(HELP_TEXTS)) expect(topic.question).toMatch(/^Where do I find .*\?$/);
  });
});
