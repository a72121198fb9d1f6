import { requireUser } from '@/features/accounts/service/guard';
import { describeUserWriteLimit } from '@/features/accounts/service/rate-limit';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import {
  CalibrationRequestSchema,
  CalibrationSchema,
  CompleteOnboardingSchema,
  ProfileSchema,
} from '../schemas/schemas';
import { completeOnboarding, getProfileView, startCalibration } from '../service/service';

// POST /api/onboarding/calibration — 15 calibration cards from 1–2 of my photos
export const startMyCalibration = defineRoute({
  method: 'POST',
  path: '/api/onboarding/calibration',
  operationId: 'startCalibration',
  summary: 'Start onboarding: 15 calibration cards from 1–2 of my photos',
  description: `Each photo must be one of your uploads (another user’s id answers 404) and pass the quality gate (422 naming the issues: too_small, too_large, too_blurry, invalid_format). The cards come from the 3 style clusters nearest your photos, with 3 cards from the 4th–5th nearest at positions 5, 10 and 15. The session is kept server-side for completion (24 hours). 503 (Retry-After) while the first style clusters are being built. ${describeUserWriteLimit('calibration')}`,
  tags: ['onboarding'],
  auth: requireUser,
  request: { body: { schema: CalibrationRequestSchema } },
  responses: { [STATUS.CREATED]: { description: 'The calibration session', schema: CalibrationSchema } },
  problems: [STATUS.NOT_FOUND, STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS, STATUS.SERVICE_UNAVAILABLE],
}).handle(async ({ user, body }) => ({
  status: STATUS.CREATED,
  body: await startCalibration(user.id, body.photoIds),
}));

// POST /api/onboarding/complete — my swipes on the calibration cards → my style profile
export const completeMyOnboarding = defineRoute({
  method: 'POST',
  path: '/api/onboarding/complete',
  operationId: 'completeOnboarding',
  summary: 'Complete onboarding with my likes and dislikes of the calibration cards',
  description:
    'At least one like; only cards of that session (422 otherwise); another user’s session answers 404; a completed session answers 409. Builds the style vector (Rocchio), the price profile and the confidence.',
  tags: ['onboarding'],
  auth: requireUser,
  request: { body: { schema: CompleteOnboardingSchema } },
  responses: { [STATUS.OK]: { description: 'The new profile', schema: ProfileSchema } },
  problems: [STATUS.NOT_FOUND, STATUS.CONFLICT, STATUS.FORBIDDEN],
}).handle(async ({ user, body }) => ({ status: STATUS.OK, body: await completeOnboarding(user.id, body) }));

// GET /api/users/me/profile — my style profile and the feed mode it implies
export const getMyProfile = defineRoute({
  method: 'GET',
  path: '/api/users/me/profile',
  operationId: 'getProfile',
  summary: 'My style profile',
  tags: ['onboarding'],
  auth: requireUser,
  responses: {
    [STATUS.OK]: { description: 'The profile (defaults before onboarding)', schema: ProfileSchema },
  },
}).handle(async ({ user }) => ({ status: STATUS.OK, body: await getProfileView(user.id) }));

/** The feature's operations (wired in app/api/operations.ts). */
export const profilesRoutes: readonly AnyRoute[] = [startMyCalibration, completeMyOnboarding, getMyProfile];
