import { join } from 'node:path';

// Where an upload's bytes live in the object storage (features/core/storage), and which keys are uploads'.

/** `<userId>/<uploadId>`. */
export const storageKeyFor = (userId: string, uploadId: string) => join(userId, uploadId);

/** `<userId>/<uploadId>` or an unfinished write of one: the only keys the orphan sweep may delete. */
export const isUploadKey = (key: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[0-9a-f-]{36}\.partial)?$/i.test(
    key,
  );
