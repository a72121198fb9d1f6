import { z } from 'zod';
import { UploadedFile } from '@/features/core/http/multipart';
import { pageSchema } from '@/features/core/http/pagination';
import { IMAGE_TYPES, MAX_STORED_SIDE } from '../image/image';

export const UploadSchema = z
  .object({
    id: z.uuid(),
    contentType: z.enum(IMAGE_TYPES),
    bytes: z.number().int().positive().meta({ description: 'Size of the stored (metadata-free) image' }),
    width: z
      .number()
      .int()
      .positive()
      .meta({ description: `Of the stored image: orientation applied, at most ${MAX_STORED_SIDE} px` }),
    height: z
      .number()
      .int()
      .positive()
      .meta({ description: `Of the stored image: orientation applied, at most ${MAX_STORED_SIDE} px` }),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({
    id: 'Upload',
    description: 'An outfit photo (JPEG, PNG or WebP), stored without EXIF/GPS metadata',
  });

export const UploadPageSchema = pageSchema(UploadSchema, 'UploadPage');

export const UploadFormSchema = z
  .object({
    file: z
      .instanceof(UploadedFile, { message: 'must be a file' })
      .meta({ type: 'string', format: 'binary', description: 'JPEG, PNG or WebP, decided from the bytes' }),
  })
  .meta({ id: 'UploadForm' });

export const UploadIdSchema = z.object({ id: z.uuid() });

export const ETagHeaderSchema = z.object({
  'if-none-match': z.string().max(200).optional().meta({ description: 'An ETag from a previous response' }),
});

export type PublicUpload = z.input<typeof UploadSchema>;
