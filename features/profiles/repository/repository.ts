import { and, desc, eq, getTableColumns, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { joinedArray, splitNumbers } from '@/features/core/database/arrays';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { deleteInChunks } from '@/features/core/database/purge';
import type { QueryPart } from '@/features/core/database/query-part';
import {
  type OnboardingAnswer,
  type OnboardingSessionRow,
  onboardingSessions,
  type StyleProfileRow,
  styleProfiles,
} from './profiles.table';

// Style profiles and onboarding sessions. Every profile write is guarded: by the session's completion
// (onboarding) or by the expected version (learning), inside one transaction.

export type NewOnboardingSession = Omit<
  typeof onboardingSessions.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'completedAt' | 'answers'
>;

export async function insertOnboardingSession(values: NewOnboardingSession): Promise<OnboardingSessionRow> {
  const [row] = await (await getDb()).insert(onboardingSessions).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/**
 * Deletes onboarding sessions (photo vectors and cards) created before `before` that no one will read: never
 * completed, or completed and superseded by a later completion of the same user. A user's latest completed
 * session stays while the account lives (its answers and photos are what the learner starts from).
 * Returns how many went.
 */
export function purgeOnboardingSessions({ before }: { before: Date }): Promise<number> {
  return deleteInChunks(
    onboardingSessions,
    sql`${lt(onboardingSessions.createdAt, before)} and (${isNull(onboardingSessions.completedAt)} or exists (
      select 1 from ${onboardingSessions} as later where later.user_id = ${onboardingSessions.userId}
        and later.completed_at is not null
        and (later.completed_at, later.id) > (${onboardingSessions.completedAt}, ${onboardingSessions.id})))`,
  );
}

/** The user's session; another user's id finds nothing. */
export async function findOnboardingSession({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<OnboardingSessionRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(onboardingSessions)
    .where(and(eq(onboardingSessions.userId, userId), eq(onboardingSessions.id, id)))
    .limit(1);
  return row;
}

/** The user's most recently completed session (the onboarding the profile stands on), if any. */
export async function findCompletedOnboardingSession({
  userId,
}: {
  userId: string;
}): Promise<OnboardingSessionRow | undefined> {
  const [row] = await (await getDb())
    .select()
    .from(onboardingSessions)
    .where(and(eq(onboardingSessions.userId, userId), isNotNull(onboardingSessions.completedAt)))
    .orderBy(desc(onboardingSessions.completedAt))
    .limit(1);
  return row;
}

// Every feed page reads the profile: one prepared statement, the vector as text (see core/database/arrays).
const profileByUser = prepared((db) =>
  db
    .select({ ...getTableColumns(styleProfiles), vector: joinedArray(styleProfiles.vector) })
    .from(styleProfiles)
    .where(eq(styleProfiles.userId, sql.placeholder('userId')))
    .limit(1)
    .prepare('style_profiles_find_by_user'),
);

export async function findStyleProfile({ userId }: { userId: string }): Promise<StyleProfileRow | undefined> {
  const [row] = await (await profileByUser()).execute({ userId });
  return row && { ...row, vector: splitNumbers(row.vector) };
}

/**
 * The version of the profile of the user `userId` names, 0 without one, as a scalar
 * for another statement: a stored feed page compares it with its batch's in the same round trip.
 */
export function profileVersionOf(userId: QueryPart): QueryPart {
  return sql`coalesce((select ${styleProfiles.version} from ${styleProfiles}
    where ${styleProfiles.userId} = ${userId}), 0)`;
}

export type ProfileValues = Omit<
  typeof styleProfiles.$inferInsert,
  'id' | 'userId' | 'createdAt' | 'updatedAt' | 'version'
>;

/**
 * Marks the session completed and writes the profile (version + 1) in one transaction; `build` gets the
 * current profile (locked) and returns the new values. Undefined when the session was already completed
 * (then nothing is written: completing twice never makes a second profile or a second update).
 */
export async function completeOnboardingSession({
  userId,
  sessionId,
  completedAt,
  answers,
  build,
}: {
  userId: string;
  sessionId: string;
  completedAt: Date;
  answers: OnboardingAnswer[];
  build: (current: StyleProfileRow | undefined) => ProfileValues;
}): Promise<StyleProfileRow | undefined> {
  return (await getDb()).transaction(async (tx) => {
    const [session] = await tx
      .update(onboardingSessions)
      .set({ completedAt, answers })
      .where(
        and(
          eq(onboardingSessions.id, sessionId),
          eq(onboardingSessions.userId, userId),
          isNull(onboardingSessions.completedAt),
        ),
      )
      .returning({ id: onboardingSessions.id });
    if (!session) return undefined;
    const [current] = await tx
      .select()
      .from(styleProfiles)
      .where(eq(styleProfiles.userId, userId))
      .for('update')
      .limit(1);
    const values = build(current);
    const [row] = current
      ? await tx
          .update(styleProfiles)
          .set({ ...values, version: current.version + 1 })
          .where(eq(styleProfiles.id, current.id))
          .returning()
      : await tx
          .insert(styleProfiles)
          .values({ ...values, userId, version: 1 })
          .returning();
    if (!row) throw new Error('profile write returned no row');
    return row;
  });
}

export interface ProfileUpdate {
  userId: string;
  /** The version the caller read; the write happens only if the profile is still at it. */
  expectedVersion: number;
  vector: number[] | null;
  modelId: string | null;
  dims: number | null;
  confidence: number;
  source: 'onboarding' | 'auto_coldstart' | 'learning';
  interactionCount: number;
  likes: number;
  dislikes: number;
  priceProfile: { priceMin: number; priceMax: number; priceMedian: number; priceStd: number } | null;
  lastProfileUpdateAt: Date;
  lastProcessedInteractionId: string | null;
}

/**
 * Writes vector, price profile, counters and version + 1 in one statement guarded by the expected version
 * (docs/product.md §7): false when the profile moved on (a stale update changes nothing). expectedVersion 0
 * creates the profile, false if one appeared meanwhile.
 */
export async function saveProfileUpdate(update: ProfileUpdate): Promise<boolean> {
  const db = await getDb();
  const values = {
    vector: update.vector,
    modelId: update.modelId,
    dims: update.dims,
    confidence: update.confidence,
    source: update.source,
    interactionCount: update.interactionCount,
    likes: update.likes,
    dislikes: update.dislikes,
    priceMin: update.priceProfile?.priceMin ?? null,
    priceMax: update.priceProfile?.priceMax ?? null,
    priceMedian: update.priceProfile?.priceMedian ?? null,
    priceStd: update.priceProfile?.priceStd ?? null,
    lastProfileUpdateAt: update.lastProfileUpdateAt,
    lastProcessedInteractionId: update.lastProcessedInteractionId,
    version: update.expectedVersion + 1,
  };
  if (update.expectedVersion === 0) {
    const inserted = await db
      .insert(styleProfiles)
      .values({ ...values, userId: update.userId })
      .onConflictDoNothing({ target: styleProfiles.userId })
      .returning({ id: styleProfiles.id });
    return inserted.length === 1;
  }
  const updated = await db
    .update(styleProfiles)
    .set(values)
    .where(and(eq(styleProfiles.userId, update.userId), eq(styleProfiles.version, update.expectedVersion)))
    .returning({ id: styleProfiles.id });
  return updated.length === 1;
}

export type { OnboardingSessionRow, StyleProfileRow };
