/**
 * EDC's callback matching: a plain prefix test, no wildcard and no dot boundary
 * (`"transfer.process.s"` matches started and suspended). An empty list matches nothing.
 */
export function matchesEventFilters(filters: readonly string[], filterName: string): boolean {
  return filters.some((filter) => filterName.startsWith(filter));
}
