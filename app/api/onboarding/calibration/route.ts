import { profilesRouter } from '@/features/profiles/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = profilesRouter.handlers(
  '/api/onboarding/calibration',
);
