import { DESCRIPTOR_DIMS, describeImage } from '../image/image';

// How product images become vectors. One interface (docs/product.md §2); the default is a deterministic,
// model-free descriptor: colour, shape and texture — not a fashion model's sense of style.

export interface Embedder {
  /** Names the vector space: vectors of different model ids are never compared. */
  modelId: string;
  dims: number;
  /** An L2-normalised vector; the same bytes always give a bit-identical vector. */
  embed(bytes: Uint8Array): Promise<Float32Array>;
}

/** HSV colour histogram (weight 0.3) + 4×4-cell gradient-orientation histogram (1.0) + 8×8 centred grey thumbnail (1.0). */
export const featureEmbedder: Embedder = {
  modelId: 'feature-v1',
  dims: DESCRIPTOR_DIMS,
  embed: describeImage,
};

export function getEmbedder(): Embedder {
  return featureEmbedder;
}
