import { DomainError } from '@/features/core/errors/errors';

// Decided once for every operation, before any schema or handler sees the input:
// - no U+0000 in any string or object key (Postgres refuses NUL in text: it would surface as a 500);
// - JSON nesting depth and array sizes are bounded before JSON.parse builds anything (1 MiB of `[[[[…` costs
//   the event loop ~200 ms to parse and far more to walk).

export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_ARRAY_ITEMS = 1000;

type FieldError = { path: string; message: string };
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

/** Field errors for every string value or key under `value` that contains U+0000. */
export function nulCharacterErrors(value: unknown, path: string, errors: FieldError[] = []): FieldError[] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) errors.push({ path, message: NUL_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      nulCharacterErrors(item, `${path}.${index}`, errors);
    });
  } else if (value !== null && typeof value === 'object' && !(value instanceof Blob)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000'))
        errors.push({
          path: `${path}.${key.replaceAll('\u0000', '\\u0000')}`,
          message: `key ${NUL_MESSAGE}`,
        });
      nulCharacterErrors(item, `${path}.${key}`, errors);
    }
  }
  return errors;
}

/**
 * One linear pass over JSON text (strings skipped): refuses nesting deeper than `maxDepth` or an array with more
 * than `maxItems` items with a 422, so the parser never builds the structure. Malformed text passes through to
 * JSON.parse, which reports it.
 */
export function assertJsonShapeBounded(
  text: string,
  maxDepth = MAX_JSON_DEPTH,
  maxItems = MAX_JSON_ARRAY_ITEMS,
): void {
  // Per open container: -1 for an object, else the number of commas seen so far in that array.
  const stack: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      stack.push(code === 0x5b ? 0 : -1);
      if (stack.length > maxDepth) throw bounded(`The JSON body nests deeper than ${maxDepth} levels.`);
    } else if (code === 0x5d || code === 0x7d) stack.pop();
    else if (code === 0x2c) {
      const top = stack.length - 1;
      const commas = stack[top];
      if (commas !== undefined && commas >= 0) {
        stack[top] = commas + 1;
        // n commas separate n + 1 items.
        if (commas + 2 > maxItems) throw bounded(`A JSON array in the body has more than ${maxItems} items.`);
      }
    }
  }
}

function bounded(detail: string): DomainError {
  return new DomainError('invalid', detail, { fields: [{ field: '', message: detail }] });
}
