import { orderProblems, type SerialProblemLike } from '../lib/serials';

interface SerialProblemListProps {
  problems: readonly SerialProblemLike[];
  /** The serials as the customer entered them, to list problems in the same order. */
  entered: readonly string[];
  id?: string;
}

/** Each rejected serial number with the reason, in the order the serials were typed. */
export function SerialProblemList({ problems, entered, id }: SerialProblemListProps) {
  if (problems.length === 0) return null;
  const ordered = orderProblems(problems, entered);
  return (
    <ul className="problem-list" id={id} aria-label="Rejected serials">
      {ordered.map((problem, index) => (
        <li key={`${problem.serialNumber}-${problem.code}-${index}`} className="problem-list__item" data-code={problem.code}>
          <code className="problem-list__serial">{problem.serialNumber}</code>
          <span className="problem-list__message">{problem.message}</span>
        </li>
      ))}
    </ul>
  );
}
