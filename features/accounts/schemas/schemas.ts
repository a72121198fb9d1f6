import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../password/password';
import { normalizeEmail } from '../utils/email';

// Accounts on the wire: users (camelCase) and OAuth2 tokens (RFC 6749 names, snake_case, as OAuth2 clients
// and Swagger UI's Authorize expect).

export const EmailSchema = z
  .string()
  .overwrite(normalizeEmail)
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
    emailVerifiedAt: z.iso.datetime({ offset: true }).nullable().meta({
      description:
        'When the email was confirmed (a verification link, or a password reset mailed there); null until then and after an email change',
    }),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'User', description: 'A Stylipp account' });

const CurrentPasswordSchema = z.string().min(1).max(1024).meta({ format: 'password' });

export const UpdateUserSchema = z
  .object({
    name: NameSchema.nullable().optional(),
    email: EmailSchema.optional(),
    currentPassword: CurrentPasswordSchema.optional().meta({
      description: 'Required when `email` changes',
    }),
  })
  .meta({ id: 'UpdateUser', description: 'Fields to change; omitted fields stay as they are' });

export const DeleteUserSchema = z
  .object({ currentPassword: CurrentPasswordSchema })
  .meta({ id: 'DeleteUser', description: 'Deleting the account needs its current password' });

export const PasswordResetRequestSchema = z
  .object({ email: EmailSchema })
  .meta({ id: 'PasswordResetRequest' });

const MailTokenSchema = z
  .string()
  .min(1)
  .max(256)
  .meta({ description: 'The token of the mailed link (its `{token}` part)' });

export const PasswordResetConfirmSchema = z
  .object({
    token: MailTokenSchema,
    newPassword: z
      .string()
      .min(1)
      .max(1024)
      .meta({ format: 'password', description: 'At least 8 characters, not a common password' }),
  })
  .meta({ id: 'PasswordResetConfirm' });

export const VerifyEmailSchema = z.object({ token: MailTokenSchema }).meta({ id: 'VerifyEmail' });

export const CreateUserSchema = z
  .object({ email: EmailSchema, password: NewPasswordSchema, name: NameSchema.optional() })
  .meta({ id: 'RegisterUser' });

export const TokenRequestSchema = z
  .object({
    grant_type: z.string().optional().meta({
      description: '`password` or `refresh_token`; may be omitted with `email` + `password` (JSON)',
    }),
    username: z.string().optional().meta({ description: 'password grant: the account email' }),
    email: z.string().optional().meta({ description: 'JSON form of the password grant: the account email' }),
    password: z.string().optional().meta({ description: 'password grant', format: 'password' }),
    refresh_token: z.string().optional().meta({ description: 'refresh_token grant' }),
    scope: z.string().optional().meta({ description: 'ignored (no scopes yet)' }),
  })
  .meta({
    id: 'TokenRequest',
    description:
      'OAuth2 token request (RFC 6749 §4.3 password grant, §6 refresh). As a form: `grant_type=password&username=…&password=…` or `grant_type=refresh_token&refresh_token=…`. As JSON: `{"email","password"}` or the same fields as the form.',
  });

export const TokenResponseSchema = z
  .object({
    access_token: z.string().meta({ description: 'A JWT for `Authorization: Bearer`' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive().meta({ description: 'Seconds until the access token expires' }),
    refresh_token: z.string().meta({ description: 'Single use: exchanging it returns a new pair' }),
  })
  .meta({ id: 'TokenResponse' });

export const RevokeRequestSchema = z
  .object({
    token: z.string().min(1).meta({ description: 'The refresh token to revoke' }),
    token_type_hint: z.string().optional(),
  })
  .meta({ id: 'RevokeRequest', description: 'RFC 7009 token revocation' });

export const ChangePasswordSchema = z
  .object({
    currentPassword: z.string().min(1).max(1024).meta({ format: 'password' }),
    newPassword: z
      .string()
      .min(1)
      .max(1024)
      .meta({ format: 'password', description: 'At least 8 characters, not a common password' }),
  })
  .meta({ id: 'ChangePassword' });

export type TokenRequest = z.output<typeof TokenRequestSchema>;
export type TokenResponse = z.input<typeof TokenResponseSchema>;

export type PublicUser = z.input<typeof PublicUserSchema>;
export type CreateUser = z.output<typeof CreateUserSchema>;
export type UpdateUser = z.output<typeof UpdateUserSchema>;
