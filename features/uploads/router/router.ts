import { requireUser } from '@/features/accounts/service/guard';
import { getConfig } from '@/features/core/config/config';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { CursorQuerySchema } from '@/features/core/http/pagination';
import { STATUS } from '@/features/core/http/status';
import { MAX_STORED_SIDE } from '../image/image';
import {
  ETagHeaderSchema,
  UploadFormSchema,
  UploadIdSchema,
  UploadPageSchema,
  UploadSchema,
} from '../schemas/schemas';
import { createUpload, deleteUpload, getUpload, getUploadContent, listUploads } from '../service/service';

// Room for the multipart boundaries and part headers around the file itself.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

// POST /api/uploads — upload an outfit photo
export const uploadPhoto = defineRoute({
  method: 'POST',
  path: '/api/uploads',
  operationId: 'uploadPhoto',
  summary: 'Upload an outfit photo',
  description: `multipart/form-data with one \`file\` part. JPEG, PNG or WebP, judged from the bytes (not the name or the part’s Content-Type); 10 MiB by default; 8-bit, at least 64 px per side and at most 50 megapixels (150 MB decoded), decided from the header before decoding. EXIF (GPS), XMP and IPTC metadata are removed before storage and the EXIF orientation applied; a photo larger than ${MAX_STORED_SIDE} px on its longest side is stored scaled down to ${MAX_STORED_SIDE} px, aspect kept (\`width\` and \`height\` are the stored photo's). Per account: a rate of uploads (429 + Retry-After) and a quota of photos and bytes (403 \`upload_quota_exceeded\`).`,
  tags: ['uploads'],
  auth: requireUser,
  request: {
    body: {
      schema: UploadFormSchema,
      mediaTypes: ['multipart/form-data'],
      // Read per request: config is not available while `next build` loads this module.
      maxBytes: () => getConfig().uploads.maxBytes + MULTIPART_OVERHEAD_BYTES,
    },
  },
  responses: {
    [STATUS.CREATED]: {
      description: 'Stored',
      schema: UploadSchema,
      headers: { Location: { description: 'The upload: /api/uploads/{id}', schema: { type: 'string' } } },
    },
  },
  problems: [STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, body, request }) => {
  const upload = await createUpload(user.id, body.file, request.signal);
  return { status: STATUS.CREATED, body: upload, headers: { location: `/api/uploads/${upload.id}` } };
});

// GET /api/uploads — my uploads, newest first
export const listMyUploads = defineRoute({
  method: 'GET',
  path: '/api/uploads',
  operationId: 'listUploads',
  summary: 'My uploads, newest first (cursor-paginated)',
  tags: ['uploads'],
  auth: requireUser,
  request: { query: CursorQuerySchema },
  responses: { [STATUS.OK]: { description: 'A page of uploads', schema: UploadPageSchema } },
}).handle(async ({ user, query }) => ({ status: STATUS.OK, body: await listUploads(user.id, query) }));

// GET /api/uploads/{id} — one upload's metadata
export const getMyUpload = defineRoute({
  method: 'GET',
  path: '/api/uploads/{id}',
  operationId: 'getUpload',
  summary: 'One upload’s metadata',
  description: 'Another user’s upload answers 404, as if it did not exist.',
  tags: ['uploads'],
  auth: requireUser,
  request: { params: UploadIdSchema },
  responses: { [STATUS.OK]: { description: 'The upload', schema: UploadSchema } },
  problems: [STATUS.NOT_FOUND],
}).handle(async ({ user, params }) => ({ status: STATUS.OK, body: await getUpload(user.id, params.id) }));

// GET /api/uploads/{id}/content — the image bytes (ETag, conditional GET)
export const getMyUploadContent = defineRoute({
  method: 'GET',
  path: '/api/uploads/{id}/content',
  operationId: 'getUploadContent',
  summary: 'The image itself',
  tags: ['uploads'],
  auth: requireUser,
  request: { params: UploadIdSchema, headers: ETagHeaderSchema },
  responses: {
    [STATUS.OK]: {
      description: 'The stored image (JPEG, PNG or WebP)',
      mediaType: 'image/*',
      headers: {
        ETag: { description: 'Strong validator of the bytes', schema: { type: 'string' } },
        'Cache-Control': { description: 'private', schema: { type: 'string' } },
      },
    },
    [STATUS.NOT_MODIFIED]: { description: 'The If-None-Match ETag is current' },
  },
  problems: [STATUS.NOT_FOUND],
}).handle(async ({ user, params, headers }) => {
  const content = await getUploadContent(user.id, params.id);
  const cache = { etag: content.etag, 'cache-control': 'private, max-age=0, must-revalidate' };
  const presented = headers['if-none-match']?.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (presented?.includes(content.etag) || presented?.includes('*'))
    return { status: STATUS.NOT_MODIFIED, headers: cache };
  return {
    status: STATUS.OK,
    body: content.open,
    headers: { ...cache, 'content-type': content.contentType, 'content-length': String(content.bytes) },
  };
});

// DELETE /api/uploads/{id} — delete an upload (row and bytes)
export const deleteMyUpload = defineRoute({
  method: 'DELETE',
  path: '/api/uploads/{id}',
  operationId: 'deleteUpload',
  summary: 'Delete an upload',
  tags: ['uploads'],
  auth: requireUser,
  request: { params: UploadIdSchema },
  responses: { [STATUS.NO_CONTENT]: { description: 'Deleted' } },
  problems: [STATUS.NOT_FOUND, STATUS.FORBIDDEN],
}).handle(async ({ user, params }) => {
  await deleteUpload(user.id, params.id);
  return { status: STATUS.NO_CONTENT };
});

/** The feature's operations (wired in app/api/operations.ts). */
export const uploadsRoutes: readonly AnyRoute[] = [
  uploadPhoto,
  listMyUploads,
  getMyUpload,
  getMyUploadContent,
  deleteMyUpload,
];
