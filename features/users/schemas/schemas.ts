import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../utils/password';

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'must be an email address' }).max(254))
  .meta({ description: 'Email address; stored trimmed and lower-cased', example: 'ada@example.com' });

// Length, unicode normalisation and the common-password list are checked by the service (one policy, with a
// message naming the rule); the schema only bounds the input.
export const NewPasswordSchema = z
  .string()
  .min(1, 'is required')
  .max(MAX_PASSWORD_LENGTH * 4)
  .meta({
    description: 'At least 8 characters (any characters; no composition rules), not a common password',
    format: 'password',
  });

const NameSchema = z.string().trim().min(1).max(100).meta({ example: 'Ada Lovelace' });

/** The user as the API shows it: never a hash, never a token. */
export const PublicUserSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    name: z.string().nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'User', description: 'A Stylipp account' });

export const UpdateUserSchema = z
  .object({ name: NameSchema.nullable().optional(), email: EmailSchema.optional() })
  .meta({ id: 'UpdateUser', description: 'Fields to change; omitted fields stay as they are' });

export const CreateUserSchema = z
  .object({ email: EmailSchema, password: NewPasswordSchema, name: NameSchema.optional() })
  .meta({ id: 'RegisterUser' });

export type PublicUser = z.input<typeof PublicUserSchema>;
export type CreateUser = z.output<typeof CreateUserSchema>;
export type UpdateUser = z.output<typeof UpdateUserSchema>;
