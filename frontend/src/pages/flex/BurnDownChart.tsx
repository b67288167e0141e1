import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { burnDownSeries, formatNumber, formatPoints, planVariance } from '../../lib/flex';

interface BurnDownChartProps {
  contract: { number: string; startsOn: string; endsOn: string; committedPoints: number };
  consumption: readonly { month: string | null; points: number }[];
  today?: Date;
}

/**
 * Points remaining over the contract's term against the straight line from the
 * commitment to 0 at its end. The figures are also in a visually hidden table
 * and a sentence, for screen readers.
 */
export function BurnDownChart({ contract, consumption, today }: BurnDownChartProps) {
  const series = burnDownSeries(contract, consumption, today);
  const variance = planVariance(series);
  const current = [...series].reverse().find((point) => point.remaining !== null);
  const titleId = `burn-${contract.number}`;
  return (
    <figure className="burn-down" aria-labelledby={titleId}>
      <figcaption id={titleId} className="burn-down__caption">
        <span className="burn-down__title">Burn-down</span>{' '}
        {variance === null ? (
          <span className="muted">The term has not started.</span>
        ) : variance >= 0 ? (
          <span>
            {formatPoints(variance)} <strong>above</strong> the straight line: consumption is slower than an even spread.
          </span>
        ) : (
          <span>
            {formatPoints(-variance)} <strong>below</strong> the straight line: consumption is ahead of an even spread.
          </span>
        )}
      </figcaption>
      <div className="burn-down__chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid stroke="#e3e8ee" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={24} />
            <YAxis tickFormatter={(value: number) => formatNumber(value)} tick={{ fontSize: 12 }} width={64} />
            <Tooltip formatter={(value) => (typeof value === 'number' ? formatPoints(value) : String(value))} />
            <Legend verticalAlign="bottom" height={28} />
            <ReferenceLine y={0} stroke="#b9c4d0" />
            <Line
              type="linear"
              dataKey="planned"
              name="Straight line to 0"
              stroke="#8a9bad"
              strokeDasharray="6 4"
              dot={false}
              isAnimationActive={false}
            />
            <Line
              type="monotone"
              dataKey="remaining"
              name="Points remaining"
              stroke="#1d5fbf"
              strokeWidth={2.5}
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      {current ? (
        <table className="visually-hidden">
          <caption>Points remaining by month on {contract.number}</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Remaining</th>
              <th scope="col">Straight line</th>
            </tr>
          </thead>
          <tbody>
            {series
              .filter((point) => point.remaining !== null)
              .map((point) => (
                <tr key={point.key}>
                  <th scope="row">{point.key === 'start' ? 'Start' : point.label}</th>
                  <td>{point.remaining}</td>
                  <td>{point.planned}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </figure>
  );
}
