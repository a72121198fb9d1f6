import { requireUser } from '@/features/accounts/service/guard';
import { describeUserWriteLimit, limitUserWrite } from '@/features/accounts/service/rate-limit';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { CursorQuerySchema } from '@/features/core/http/pagination';
import { STATUS } from '@/features/core/http/status';
import {
  ClickOutParamsSchema,
  ClickOutQuerySchema,
  ExposureBatchSchema,
  ExposureResultSchema,
  FeedbackCreateSchema,
  InteractionIdSchema,
  InteractionSchema,
  SavedProductPageSchema,
} from '../schemas/schemas';
import {
  clickOut,
  listSavedProducts,
  recordExposures,
  recordFeedback,
  undoFeedback,
} from '../service/service';

// POST /api/feedback — like, dislike or save a product
export const recordMyFeedback = defineRoute({
  method: 'POST',
  path: '/api/feedback',
  operationId: 'recordFeedback',
  summary: 'Like, dislike or save a product',
  description: `The product leaves my feed and my style profile learns from it right after the response. Pass the batch and position from the feed when known. An unknown product answers 404. ${describeUserWriteLimit('feedback')} (Undos count in the same budget.)`,
  tags: ['feedback'],
  auth: requireUser,
  request: { body: { schema: FeedbackCreateSchema } },
  responses: { [STATUS.CREATED]: { description: 'Recorded', schema: InteractionSchema } },
  problems: [STATUS.NOT_FOUND, STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, body }) => {
  await limitUserWrite('feedback', user.id);
  return { status: STATUS.CREATED, body: await recordFeedback(user.id, body) };
});

// DELETE /api/feedback/{id} — undo one of my swipes
export const undoMyFeedback = defineRoute({
  method: 'DELETE',
  path: '/api/feedback/{id}',
  operationId: 'undoFeedback',
  summary: 'Undo one of my swipes',
  description: `Records an explicit reversal (the profile moves back by half a step); the product may appear in my feed again. Another user’s interaction answers 404; an interaction already undone, 409. ${describeUserWriteLimit('feedback')} (Swipes count in the same budget.)`,
  tags: ['feedback'],
  auth: requireUser,
  request: { params: InteractionIdSchema },
  responses: { [STATUS.NO_CONTENT]: { description: 'Undone' } },
  problems: [STATUS.NOT_FOUND, STATUS.CONFLICT, STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, params }) => {
  await limitUserWrite('feedback', user.id);
  await undoFeedback(user.id, params.id);
  return { status: STATUS.NO_CONTENT };
});

// POST /api/feedback/exposures — what my feed showed me
export const recordMyExposures = defineRoute({
  method: 'POST',
  path: '/api/feedback/exposures',
  operationId: 'recordExposures',
  summary: 'Report products shown to me (1–100 events)',
  description: `One exposure per product and client session: a repeat keeps the earliest shownAt, the smallest position, the latest action and the largest dwell. Events naming unknown products are dropped. ${describeUserWriteLimit('exposures')} (Counted per call.)`,
  tags: ['feedback'],
  auth: requireUser,
  request: { body: { schema: ExposureBatchSchema } },
  responses: { [STATUS.OK]: { description: 'Received', schema: ExposureResultSchema } },
  problems: [STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, body }) => {
  await limitUserWrite('exposures', user.id);
  return { status: STATUS.OK, body: await recordExposures(user.id, body.events) };
});

// GET /api/saves — my saved products, newest first
export const listMySaves = defineRoute({
  method: 'GET',
  path: '/api/saves',
  operationId: 'listSavedProducts',
  summary: 'My saved products, newest first (cursor-paginated)',
  tags: ['feedback'],
  auth: requireUser,
  request: { query: CursorQuerySchema },
  responses: { [STATUS.OK]: { description: 'A page of saved products', schema: SavedProductPageSchema } },
}).handle(async ({ user, query }) => ({ status: STATUS.OK, body: await listSavedProducts(user.id, query) }));

// GET /api/products/{id}/out — click-out to the store (logged)
export const clickOutToStore = defineRoute({
  method: 'GET',
  path: '/api/products/{id}/out',
  operationId: 'clickOut',
  summary: 'Open a product at its store',
  description: `Records the click (with the feed batch and position when given) and redirects to the product’s stored store URL with that store’s affiliate parameters — never to any other URL. ${describeUserWriteLimit('click-out')}`,
  tags: ['feedback'],
  auth: requireUser,
  request: { params: ClickOutParamsSchema, query: ClickOutQuerySchema },
  responses: {
    [STATUS.FOUND]: {
      description: 'To the store',
      headers: { Location: { description: 'The product’s store URL', schema: { type: 'string' } } },
    },
  },
  problems: [STATUS.NOT_FOUND, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, params, query }) => {
  await limitUserWrite('click-out', user.id);
  return {
    status: STATUS.FOUND,
    headers: { location: await clickOut(user.id, params.id, query), 'cache-control': 'no-store' },
  };
});

/** The feature's operations (wired in app/api/operations.ts). */
export const feedbackRoutes: readonly AnyRoute[] = [
  recordMyFeedback,
  undoMyFeedback,
  recordMyExposures,
  listMySaves,
  clickOutToStore,
];
