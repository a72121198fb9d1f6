import { feedbackRouter } from '@/features/feedback/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } =
  feedbackRouter.handlers('/api/products/{id}/out');
