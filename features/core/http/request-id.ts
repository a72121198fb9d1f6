import { randomUUID } from 'node:crypto';

// Echo a client's id when it is sane (short, no spaces or control characters: it lands in logs and headers),
// otherwise mint one.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function requestIdFrom(header: string | null): string {
  return header !== null && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
