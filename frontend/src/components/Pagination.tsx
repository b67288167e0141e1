import { useId } from 'react';

interface PaginationProps {
  /** "1–50 of 100,000". */
  rangeText: string;
  pageSize: number;
  pageSizes: readonly number[];
  onPageSizeChange: (size: number) => void;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  busy?: boolean;
  /** What the rows are, for the landmark's name: "Licenses pages". */
  label: string;
}

/** Rows per page, the visible range and Previous/Next buttons under a table. */
export function Pagination({ rangeText, pageSize, pageSizes, onPageSizeChange, hasPrevious, hasNext, onPrevious, onNext, busy, label }: PaginationProps) {
  const sizeId = useId();
  return (
    <nav className="pagination" aria-label={label}>
      <div className="pagination__size">
        <label htmlFor={sizeId}>Rows per page</label>
        <select id={sizeId} className="select select--compact" value={pageSize} onChange={(event) => onPageSizeChange(Number(event.target.value))}>
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </div>
      <p className="pagination__range" aria-live="polite" data-testid="page-range">
        {rangeText}
      </p>
      <div className="pagination__buttons">
        <button type="button" className="button button--secondary button--small" onClick={onPrevious} disabled={!hasPrevious || busy}>
          Previous
        </button>
        <button type="button" className="button button--secondary button--small" onClick={onNext} disabled={!hasNext || busy}>
          Next
        </button>
      </div>
    </nav>
  );
}
