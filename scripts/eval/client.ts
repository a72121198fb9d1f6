import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { findUserByEmail, insertUser } from '@/features/accounts/repository/users';
import { deleteAccount } from '@/features/accounts/service/service';
import { getProductImage } from '@/features/catalog/service/reads';
import type { Clock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { getDb } from '@/features/core/database/client';
import { queryRows } from '@/features/core/database/rows';
import { UploadedFile } from '@/features/core/http/multipart';
import type { Random } from '@/features/core/maths/random';
import { FeedQuerySchema } from '@/features/feed/schemas/schemas';
import { getFeed } from '@/features/feed/service/service';
import { interactionQueue, recordFeedback } from '@/features/feedback/service/service';
import { CompleteOnboardingSchema } from '@/features/profiles/schemas/schemas';
import { applyPendingInteractions, settleLearning } from '@/features/profiles/service/learning';
import { completeOnboarding, startCalibration } from '@/features/profiles/service/service';
import { createUpload, eraseUserUploads } from '@/features/uploads/service/service';

// The simulated client: the one module of the evaluation that calls the product's services, the way the
// route handlers do (each call is what one API request runs). When a service's signature changes, this is
// the file to follow it.

/** Every simulated user's email ends so: the domain is reserved (RFC 2606) and can never be a real user's. */
export const EVAL_EMAIL_DOMAIN = '@eval.invalid';

/**
 * Deletes the simulated users an interrupted run left behind (a run deletes each user after their journey):
 * their swipes would otherwise reach the next run's users through trending. Returns how many went.
 */
export async function deleteLeftoverEvalUsers(): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    await getDb(),
    sql`select id from users where email like ${`%${EVAL_EMAIL_DOMAIN}`}`,
  );
  for (const row of rows) await deleteEvalUser(row.id);
  return rows.length;
}

/** A fresh account (through the accounts repository: no password hashing, no sign-in rate limit). */
export async function createEvalUser(email: string): Promise<string> {
  const leftover = await findUserByEmail(email); // an interrupted earlier run
  if (leftover) await deleteEvalUser(leftover.id);
  // Not a hash of anything: this account can never sign in. Its id comes from its email (a UUIDv8 of the
  // email's SHA-256), not the clock: a batch's draws are seeded by the user's id, so a run repeats exactly.
  const row = await insertUser({ id: evalUserId(email), email, name: 'eval', passwordHash: '!eval-reco' });
  return row.id;
}

/** A UUID (version 8, RFC 9562 variant) from the SHA-256 of `email`. */
export function evalUserId(email: string): string {
  const hex = createHash('sha256').update(email).digest('hex');
  const variant = (8 + (Number.parseInt(hex[16] as string, 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Account deletion as DELETE /api/users/me runs it (past its password check): every row of the user goes, and their photos. */
export async function deleteEvalUser(userId: string): Promise<void> {
  await settleLearning();
  await deleteAccount(userId, [eraseUserUploads]);
}

/** Standard deviation, in grey levels, of the camera noise on a simulated outfit photo. */
export const PHOTO_NOISE_SIGMA = 6;

/**
 * The user's outfit photo of a catalogue product: its stored image with seeded camera noise (σ 6 grey levels,
 * PNG). The seed's stored images are 28 px Fashion-MNIST garments upscaled to 400 px, so the quality gate
 * refuses them as they are (Laplacian variance 1–3 against the 100 it needs); a photo of the same garment with
 * sensor noise passes (≈ 200), and the embedder, which works on a 64 px copy, sees the product (cosine ≈ 0.99).
 */
export async function outfitPhoto(productId: string, random: Random): Promise<Buffer> {
  const image = await getProductImage(productId);
  const stored = Buffer.from(await new Response(await image.open()).arrayBuffer());
  const { data, info } = await sharp(stored)
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const noisy = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++)
    noisy[i] = Math.max(
      0,
      Math.min(255, Math.round((data[i] as number) + PHOTO_NOISE_SIGMA * random.normal())),
    );
  return sharp(noisy, { raw: { width: info.width, height: info.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** POST /api/uploads with these bytes. */
export async function uploadPhoto(userId: string, bytes: Buffer): Promise<string> {
  // Where a multipart body's file parts go (and the cleaned copy next to them), created as the body reader does.
  const dir = getConfig().tempDir;
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.png`);
  await writeFile(path, bytes);
  try {
    return (await createUpload(userId, new UploadedFile(path, bytes.length, 'outfit.png', 'image/png'))).id;
  } finally {
    await rm(path, { force: true });
  }
}

export interface CalibrationCard {
  productId: string;
}

/** POST /api/onboarding/calibration. */
export async function calibrate(
  userId: string,
  photoIds: string[],
): Promise<{ sessionId: string; cards: CalibrationCard[] }> {
  const calibration = await startCalibration(userId, photoIds);
  return {
    sessionId: calibration.sessionId,
    cards: calibration.items.map((item) => ({ productId: item.id })),
  };
}

/** POST /api/onboarding/complete, body validated as the route validates it (no like at all is a 422). */
export async function completeCalibration(
  userId: string,
  answer: { sessionId: string; liked: string[]; disliked: string[] },
  clock: Clock,
): Promise<void> {
  const body = CompleteOnboardingSchema.safeParse({
    sessionId: answer.sessionId,
    likedProductIds: answer.liked,
    dislikedProductIds: answer.disliked,
  });
  if (!body.success) throw new Error(`422: ${body.error.issues.map((issue) => issue.message).join('; ')}`);
  await completeOnboarding(userId, body.data, clock);
}

export interface FeedCard {
  productId: string;
  position: number;
  source: string;
}

export interface ServedPage {
  cards: FeedCard[];
  feedMode: string;
  batchId: string | null;
  nextCursor: string | null;
}

/** GET /api/feed?pageSize=…&cursor=…. */
export async function fetchFeedPage(
  userId: string,
  cursor: string | undefined,
  pageSize: number,
  clock: Clock,
): Promise<ServedPage> {
  const query = FeedQuerySchema.parse({ pageSize, ...(cursor === undefined ? {} : { cursor }) });
  const page = await getFeed(userId, query, clock);
  return {
    cards: page.items.map((item) => ({ productId: item.id, position: item.position, source: item.source })),
    feedMode: page.feedMode,
    batchId: page.batchId,
    nextCursor: page.nextCursor,
  };
}

/** POST /api/feedback. */
export async function swipe(
  userId: string,
  card: { productId: string; position: number; batchId: string | null },
  like: boolean,
): Promise<void> {
  await recordFeedback(userId, {
    productId: card.productId,
    action: like ? 'like' : 'dislike',
    ...(card.batchId === null ? {} : { batchId: card.batchId, position: card.position }),
  });
}

/**
 * The learning the server runs after each swipe's response, finished before the next page is asked for (a
 * client reading its next page a moment after its last swipe; `npm run learn` does the same for everyone).
 */
export async function learn(userId: string, clock: Clock): Promise<void> {
  await settleLearning();
  await applyPendingInteractions(interactionQueue, userId, clock);
}
