import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

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
