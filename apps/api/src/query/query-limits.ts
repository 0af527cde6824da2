/**
 * The work one QuerySpec may cause, whatever its shape (docs/reliability.md, "The work bound
 * per request"). Each is answered by a fast 400 that names it, before the work is done.
 */
export const QUERY_LIMITS = {
  /**
   * Values in all `in` lists of one query together. Each value is an index lookup in every
   * partition (a range read inside one script per partition for the union, and one counted
   * inside another for the sizes) and a set entry
   * every candidate is tested against; real EDC clients list a handful.
   */
  maxInValues: 1_000,
} as const;

/*
 * The other bound, the objects one query may read and test when its indexes do not answer it
 * alone, is `QUERY_MAX_SCANNED` (default 25,000; `AppConfig.queryMaxScanned`): every candidate
 * of a sort on a field with no order index (counted before any is read), or the objects a
 * filter on unindexed fields walks before its page is full. A sort of the ~20,000 STARTED
 * transfers of the 100,000 in `bench/query.bench.ts` stays within the default.
 */
