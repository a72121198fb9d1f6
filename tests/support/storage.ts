import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

function s3Client(env: Record<string, string>) {
  return new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '' },
  });
}

const uploadsDir = (env: Record<string, string>) =>
  env.UPLOADS_DIR ?? join(env.DATA_DIR ?? '.data', 'uploads');

/** Writes bytes straight into a server's storage, behind its back (an orphan: no row names them). */
export async function putStoredObject(
  env: Record<string, string>,
  key: string,
  bytes: Buffer,
  options: { ageSeconds?: number } = {},
): Promise<void> {
  if (env.UPLOADS_STORAGE === 's3') {
    const client = s3Client(env);
    await client.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: key, Body: bytes }));
    client.destroy();
    return;
  }
  const path = join(uploadsDir(env), key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  if (options.ageSeconds) {
    const then = new Date(Date.now() - options.ageSeconds * 1000);
    utimesSync(path, then, then);
  }
}

// What a server's upload storage holds for a user, looked at directly (disk or S3), not through the API.
export async function storedObjects(env: Record<string, string>, userId: string): Promise<string[]> {
  if (env.UPLOADS_STORAGE === 's3') {
    const client = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: {
        accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
      },
    });
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: env.S3_BUCKET, Prefix: `${userId}/` }),
    );
    client.destroy();
    return (listed.Contents ?? []).map((object) => object.Key ?? '');
  }
  try {
    return readdirSync(join(env.UPLOADS_DIR ?? join(env.DATA_DIR ?? '.data', 'uploads'), userId));
  } catch {
    return [];
  }
}
