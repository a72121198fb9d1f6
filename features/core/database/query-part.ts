import type { SQL } from 'drizzle-orm';

/**
 * A piece of SQL one feature's repository lends another feature, through its service, to be read inside the
 * other's statement (a version to compare, a fingerprint). The lender keeps its tables to itself, and a hot path
 * that needs both features' state still costs one round trip. Built and read only by repositories.
 */
export type QueryPart = SQL;
