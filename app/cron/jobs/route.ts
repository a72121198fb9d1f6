// GET /cron/jobs — serverless hosts (Vercel Cron and the like) drive the durable background jobs from here:
// each call runs whatever is due and free, within a time budget, exactly as a server instance's poll does.
// Guarded by an operator credential, `Authorization: Bearer $CRON_SECRET` (what Vercel Cron sends); without
// CRON_SECRET the route does not exist. Outside /api: an operator's endpoint, not part of the API contract.
import { timingSafeEqual } from 'node:crypto';
import { getConfig } from '@/features/core/config/config';
import { defineJobs, runDueJobs } from '@/features/core/jobs/jobs';
import { backgroundJobs } from '@/server/background-work';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });

function authorised(request: Request, secret: string): boolean {
  const presented = Buffer.from(request.headers.get('authorization') ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export async function GET(request: Request): Promise<Response> {
  const secret = getConfig().jobs.cronSecret;
  if (!secret) return json(404, { error: 'not found' });
  if (!authorised(request, secret)) return json(401, { error: 'unauthorized' });
  defineJobs(backgroundJobs());
  const outcomes = await runDueJobs({ budgetMs: 45_000 });
  return json(200, { ran: outcomes });
}
