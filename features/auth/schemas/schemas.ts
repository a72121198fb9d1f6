import { z } from 'zod';

// RFC 6749 names on the wire (snake_case), as OAuth2 clients and Swagger UI's Authorize expect.

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
