import { requireUser } from '@/features/accounts/service/guard';
import { describeUserWriteLimit, limitUserWrite } from '@/features/accounts/service/rate-limit';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import { BatchIdSchema, FeedDecisionsSchema, FeedPageSchema, FeedQuerySchema } from '../schemas/schemas';
import { getFeed, getFeedDecisions } from '../service/service';

// GET /api/feed — my ranked feed, one page of a stored batch
export const getMyFeed = defineRoute({
  method: 'GET',
  path: '/api/feed',
  operationId: 'getFeed',
  summary: 'My feed: a page of ranked product cards',
  description: `Batches of 60 cards are ranked once and stored; \`nextCursor\` pages through the batch, so swipes between pages never shift or repeat cards. A new batch starts when the batch is used up, my profile changed or it is older than 5 minutes (cards served earlier in the session stay out). Without a cursor, my latest batch goes on serving where it stopped while nothing has changed since it was ranked (same category, no swipe, profile unchanged, not used up, younger than 5 minutes): a new ranking would add nothing. Cards are chosen by a per-user Bayesian model of your likes, one Thompson draw per card, so it explores while unsure. Modes: \`trending\` with no signal and no style clusters yet, \`exploring\` (one card per style cluster until the first like, or half of the page right after a change of taste), else \`personalized\`. ${describeUserWriteLimit('feed')}`,
  tags: ['feed'],
  auth: requireUser,
  request: { query: FeedQuerySchema },
  responses: { [STATUS.OK]: { description: 'A page of the feed', schema: FeedPageSchema } },
  problems: [STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, query }) => {
  await limitUserWrite('feed', user.id); // every page writes its record, a new batch 60 cards
  return { status: STATUS.OK, body: await getFeed(user.id, query) };
});

// GET /api/feed/batches/{batchId}/decisions — why each card of one of my batches was shown
export const getMyFeedDecisions = defineRoute({
  method: 'GET',
  path: '/api/feed/batches/{batchId}/decisions',
  operationId: 'getFeedDecisions',
  summary: 'Why each served card of one of my feed batches was shown',
  description:
    'The factors behind every card served from the batch, kept 90 days. Another user’s batch answers 404.',
  tags: ['feed'],
  auth: requireUser,
  request: { params: BatchIdSchema },
  responses: { [STATUS.OK]: { description: 'The decision log of the batch', schema: FeedDecisionsSchema } },
  problems: [STATUS.NOT_FOUND],
}).handle(async ({ user, params }) => ({
  status: STATUS.OK,
  body: await getFeedDecisions(user.id, params.batchId),
}));

/** The feature's operations (wired in app/api/operations.ts). */
export const feedRoutes: readonly AnyRoute[] = [getMyFeed, getMyFeedDecisions];
