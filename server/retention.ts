// How long the rows each user's activity writes are kept (issue 23 item 6): one list, purged by one periodic job
// (`data-retention`, server/background-work.ts; also `npm run learn`). The README's "Security" section and
// docs/product.md §6–7 state the same numbers. Every row also goes when its account is deleted (cascade).
import { purgeRateLimits, rateLimitMemorySeconds } from '@/features/accounts/service/purge';
import { type Clock, DAY_MS, systemClock } from '@/features/core/clock/clock';
import { purgeFeedBatches, purgeServedPages } from '@/features/feed/service/service';
import { purgeClicks, purgeExposures, purgeUndoneSwipes } from '@/features/feedback/service/service';
import { purgeOnboardingSessions } from '@/features/profiles/service/service';

export interface RetentionRule {
  table: string;
  /** The column a row's age is read from. */
  ageColumn: string;
  /** Which of the table's rows the rule ages out (the others stay while the account lives). */
  rows: string;
  days: number;
  why: string;
  /** Deletes the rule's rows older than `before`; returns how many went. */
  purge(before: Date): Promise<number>;
}

export function retentionRules(): RetentionRule[] {
  return [
    {
      table: 'feed_served_pages',
      ageColumn: 'created_at',
      rows: 'all',
      days: 90,
      why: 'The decision log (GDPR Art. 22): what placed each served card, readable by its user for 90 days (docs/product.md §6).',
      purge: purgeServedPages,
    },
    {
      table: 'feed_batches',
      ageColumn: 'created_at',
      rows: 'all',
      days: 90,
      why: 'The cards and factors the decision log explains; a batch serves pages for 5 minutes, then only explains them.',
      purge: purgeFeedBatches,
    },
    {
      table: 'exposures',
      ageColumn: 'shown_at',
      rows: 'all',
      days: 90,
      why: 'Read only by trending, which looks back 90 days; an older exposure weighs nothing.',
      purge: purgeExposures,
    },
    {
      table: 'clicks',
      ageColumn: 'created_at',
      rows: 'all',
      days: 180,
      why: 'The revenue trail: trending reads 90 days, affiliate referral windows run to 90 days and commissions are reconciled after them.',
      purge: purgeClicks,
    },
    {
      table: 'interactions',
      ageColumn: 'created_at (of the undo)',
      rows: 'undos and the swipes they undid',
      days: 90,
      why: 'A raw event no reader uses once undone (the learner, saves, trending and the feed all skip it); applied to the profile long before. Standing swipes are the profile: kept while the account lives.',
      purge: purgeUndoneSwipes,
    },
    {
      table: 'onboarding_sessions',
      ageColumn: 'created_at',
      rows: 'unfinished, or completed and replaced by a later completion',
      days: 1,
      why: 'A session can be completed within 24 h only. The latest completed session is the profile’s start (its answers are the learner’s first swipes, its photos the prior, its cards stay out of the feed): kept while the account lives.',
      purge: purgeOnboardingSessions,
    },
    {
      table: 'rate_limits',
      ageColumn: 'window_started_at',
      rows: 'all',
      days: Math.ceil(rateLimitMemorySeconds() / 86_400),
      why: 'A counter counts for its window only; the longest is the per-user write limits’ day.',
      purge: purgeRateLimits,
    },
  ];
}

/** Purges every rule's rows older than its retention, one rule after another; returns how many went per table. */
export async function purgeExpiredRows(clock: Clock = systemClock): Promise<Record<string, number>> {
  const now = clock.now().getTime();
  const purged: Record<string, number> = {};
  for (const rule of retentionRules())
    purged[rule.table] = await rule.purge(new Date(now - rule.days * DAY_MS));
  return purged;
}
