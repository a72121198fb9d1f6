import { requireUser } from '@/features/auth/service/guard';
import { defineRoute } from '@/features/core/http/define-route';
import { createRouter } from '@/features/core/http/router';
import { STATUS } from '@/features/core/http/status';
import { PublicUserSchema, UpdateUserSchema } from '../schemas/schemas';
import { deleteAccount, updateProfile } from '../service/service';

// GET /api/users/me — the signed-in user
export const getMe = defineRoute({
  method: 'GET',
  path: '/api/users/me',
  operationId: 'getMe',
  summary: 'The signed-in user',
  tags: ['users'],
  auth: requireUser,
  responses: { [STATUS.OK]: { description: 'The signed-in user', schema: PublicUserSchema } },
}).handle(({ user }) => ({ status: STATUS.OK, body: user }));

// PATCH /api/users/me — change name or email
export const updateMe = defineRoute({
  method: 'PATCH',
  path: '/api/users/me',
  operationId: 'updateMe',
  summary: 'Change my name or email',
  tags: ['users'],
  auth: requireUser,
  request: { body: { schema: UpdateUserSchema } },
  responses: { [STATUS.OK]: { description: 'The updated user', schema: PublicUserSchema } },
  problems: [STATUS.FORBIDDEN, STATUS.CONFLICT],
}).handle(async ({ user, body }) => ({ status: STATUS.OK, body: await updateProfile(user.id, body) }));

// DELETE /api/users/me — erase the account and everything that hangs off it
export const deleteMe = defineRoute({
  method: 'DELETE',
  path: '/api/users/me',
  operationId: 'deleteMe',
  summary: 'Delete my account',
  description:
    'Erases the account and everything that belongs to it (tokens included); the email can register again.',
  tags: ['users'],
  auth: requireUser,
  responses: { [STATUS.NO_CONTENT]: { description: 'Deleted' } },
  problems: [STATUS.FORBIDDEN],
}).handle(async ({ user }) => {
  await deleteAccount(user.id);
  return { status: STATUS.NO_CONTENT };
});

export const usersRouter = createRouter([getMe, updateMe, deleteMe]);
