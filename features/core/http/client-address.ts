// The caller's address for rate limits. Next's route handlers do not expose the socket; Next itself fills
// X-Forwarded-For with the peer address when absent, and a reverse proxy appends the address it saw. The
// rightmost entry is therefore the one a trusted hop wrote (the leftmost is whatever the client claims).
export function clientAddress(request: Request): string {
  const forwarded = request.headers.get('x-forwarded-for');
  const last = forwarded?.split(',').at(-1)?.trim();
  return last || 'unknown';
}
