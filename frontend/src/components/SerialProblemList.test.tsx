import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SerialProblemList } from './SerialProblemList';

describe('<SerialProblemList>', () => {
  it('lists each rejected serial with its message in input order', () => {
    render(
      <SerialProblemList
        entered={['AAAA-1111', 'BBBB-2222', 'CCCC-3333']}
        problems={[
          { serialNumber: 'CCCC-3333', code: 'UNKNOWN', message: 'This serial number does not exist.' },
          { serialNumber: 'AAAA-1111', code: 'ALREADY_REGISTERED', message: 'Already registered to another account.' },
        ]}
      />,
    );
    const list = screen.getByRole('list', { name: 'Rejected serials' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      'AAAA-1111Already registered to another account.',
      'CCCC-3333This serial number does not exist.',
    ]);
    expect(items[0]).toHaveAttribute('data-code', 'ALREADY_REGISTERED');
  });

  it('renders nothing without problems', () => {
    const { container } = render(<SerialProblemList entered={['A']} problems={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
