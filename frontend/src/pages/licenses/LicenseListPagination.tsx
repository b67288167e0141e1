import { Pagination } from '../../components/Pagination';
import { PAGE_SIZES, pageRangeText } from '../../lib/licenseList';
import type { useLicenseListState } from './useListState';

interface LicenseListPaginationProps {
  /** What the rows are, for the landmark's name. */
  label: string;
  list: ReturnType<typeof useLicenseListState>;
  rowsOnPage: number;
  connection: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  busy: boolean;
}

/** Pagination under a license list whose page, page size and cursors live in the address (useLicenseListState). */
export function LicenseListPagination({ label, list, rowsOnPage, connection, busy }: LicenseListPaginationProps) {
  const { state } = list;
  return (
    <Pagination
      label={label}
      rangeText={pageRangeText(state.page, state.pageSize, rowsOnPage, connection.totalCount)}
      pageSize={state.pageSize}
      pageSizes={PAGE_SIZES}
      onPageSizeChange={(pageSize) => list.change({ pageSize })}
      hasPrevious={list.hasPrevious}
      hasNext={connection.pageInfo.hasNextPage && !!connection.pageInfo.endCursor}
      onPrevious={list.previous}
      onNext={() => {
        if (connection.pageInfo.endCursor) list.next(connection.pageInfo.endCursor);
      }}
      busy={busy}
    />
  );
}
