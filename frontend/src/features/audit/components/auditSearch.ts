import type { AuditFilters } from '../api/auditLog';

/** What the audit page shows, as kept in its address (`?target_type=…&page=2`), so a filtered
 * view survives a reload and can be shared as a link. */
export interface AuditView {
  filters: AuditFilters;
  page: number; // from 1
  pageSize: number;
}

export const PAGE_SIZES = [20, 50, 100];
const DEFAULT_PAGE_SIZE = 20;
const FILTER_NAMES = ['target_type', 'action', 'target_id'] as const;

function positive(value: string | null, fallback: number): number {
  const number = Number(value);
  return Number.isSafeInteger(number) && number >= 1 ? number : fallback;
}

/** The view an address asks for; what is missing or unreadable falls back to the defaults. */
export function viewFromSearch(search: URLSearchParams): AuditView {
  const filters = Object.fromEntries(
    FILTER_NAMES.map((name) => [name, search.get(name)?.trim() || null]),
  ) as unknown as AuditFilters;
  const size = positive(search.get('size'), DEFAULT_PAGE_SIZE);
  return {
    filters,
    page: positive(search.get('page'), 1),
    pageSize: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

/** The address of a view: only what differs from the defaults. */
export function searchFromView({ filters, page, pageSize }: AuditView): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value) search.set(name, value);
  }
  if (page > 1) search.set('page', String(page));
  if (pageSize !== DEFAULT_PAGE_SIZE) search.set('size', String(pageSize));
  return search;
}
