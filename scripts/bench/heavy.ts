// The heavy-work figures of `npm run bench` (issue 11): open descriptors after 500 HEADs, peak RSS with ten
// concurrent 10 MiB uploads, and GET /api/health p99 idle / during a login flood / during an upload flood (the
// health latencies from a probe process of their own, to the microsecond: see probeLatency in bench-lib).
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { type LoadRequest, load, type ProbeResult, probeLatency, rssBytes } from './lib';

export interface HeavyFigures {
  openDescriptors: { before: number; after500Heads: number };
  uploads: {
    imageBytes: number;
    idleRssBytes: number;
    peakRssBytes: number;
    peakOverIdleBytes: number;
    statuses: Record<string, number>;
    wallMs: number;
  };
  health: {
    connections: number;
    seconds: number;
    idleP99Ms: number;
    duringLoginFloodP99Ms: number;
    duringUploadFloodP99Ms: number;
    /** The same three runs' medians and request counts (a slower p50 too means the core is shared, not queued). */
    probes: Record<'idle' | 'loginFlood' | 'uploadFlood', ProbeResult>;
    loginFlood: { connections: number; statuses: Record<string, number> };
    uploadFlood: { connections: number; imageBytes: number; statuses: Record<string, number> };
  };
}

/** Server env for this phase: per-user upload limits out of the way (the flood is one account). */
export const HEAVY_ENV = {
  UPLOADS_RATE_LIMIT: '1000000',
  UPLOADS_PER_USER_MAX_COUNT: '1000000',
  UPLOADS_PER_USER_MAX_BYTES: String(2 ** 40),
  UPLOAD_MAX_BYTES: String(10 * 1024 * 1024),
};

/** A noisy photo-like JPEG of about `targetBytes` (noise defeats compression, as sensor noise does). */
async function jpegOfAbout(targetBytes: number, side: number): Promise<Buffer> {
  let quality = 100;
  for (;;) {
    const image = await sharp({
      create: {
        width: side,
        height: Math.round(side * 0.75),
        channels: 3,
        background: '#7a6a5a',
        noise: { type: 'gaussian', mean: 120, sigma: 40 },
      },
    })
      .jpeg({ quality })
      .toBuffer();
    if (image.byteLength <= targetBytes || quality <= 50) return image;
    quality -= 2;
  }
}

function multipart(image: Buffer): { headers: Record<string, string>; body: Buffer } {
  const boundary = `bench${Date.now()}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body };
}

const count = (statuses: number[]) =>
  statuses.reduce<Record<string, number>>((map, status) => {
    map[status] = (map[status] ?? 0) + 1;
    return map;
  }, {});

export async function benchHeavy(options: {
  url: string;
  pid: number;
  authorization: string;
  login: LoadRequest;
  seconds: number;
  log: (text: string) => void;
}): Promise<HeavyFigures> {
  const { url, pid, authorization, log } = options;
  const auth = { authorization };

  // 1. Open descriptors around 500 HEADs of one stored photo.
  const small = await jpegOfAbout(200_000, 800);
  const smallForm = multipart(small);
  const created = await fetch(`${url}/api/uploads`, {
    method: 'POST',
    headers: { ...auth, ...smallForm.headers },
    body: new Uint8Array(smallForm.body),
  });
  if (created.status !== 201) throw new Error(`upload for the HEAD check answered ${created.status}`);
  const { id } = (await created.json()) as { id: string };
  const fds = () => readdirSync(`/proc/${pid}/fd`).length;
  const before = fds();
  await load(
    url,
    { path: `/api/uploads/${id}/content`, method: 'HEAD', headers: auth },
    {
      connections: 25,
      amount: 500,
    },
  );
  const openDescriptors = { before, after500Heads: fds() };
  log(`open descriptors: ${before} before, ${openDescriptors.after500Heads} after 500 HEADs`);

  // 2. Peak RSS with ten concurrent ~10 MiB uploads.
  const big = await jpegOfAbout(10 * 1024 * 1024 - 64 * 1024, 4000);
  const bigForm = multipart(big);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = rssBytes(pid) ?? 0;
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid) ?? 0);
  }, 10);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const response = await fetch(`${url}/api/uploads`, {
        method: 'POST',
        headers: { ...auth, ...bigForm.headers },
        body: new Uint8Array(bigForm.body),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  const wallMs = Math.round(performance.now() - started);
  clearInterval(sampler);
  peak = Math.max(peak, rssBytes(pid) ?? 0);
  const uploads = {
    imageBytes: big.byteLength,
    idleRssBytes: idle,
    peakRssBytes: peak,
    peakOverIdleBytes: peak - idle,
    statuses: count(statuses),
    wallMs,
  };
  log(
    `ten concurrent ${(big.byteLength / 2 ** 20).toFixed(1)} MiB uploads: idle RSS ${(idle / 2 ** 20).toFixed(0)} MB, peak ${(peak / 2 ** 20).toFixed(0)} MB (+${((peak - idle) / 2 ** 20).toFixed(0)} MB), statuses ${JSON.stringify(uploads.statuses)}, ${wallMs} ms`,
  );

  // 3. Health p99: idle, during a login flood, during an upload flood (same health load each time).
  const health: LoadRequest = { path: '/api/health' };
  const healthConnections = 4;
  const p99 = async (background?: { request: LoadRequest; connections: number }) => {
    const [result, flood] = await Promise.all([
      probeLatency(url, health.path, { connections: healthConnections, seconds: options.seconds }),
      background
        ? load(url, background.request, { connections: background.connections, duration: options.seconds })
        : undefined,
    ]);
    return { probe: result, flood };
  };
  const phone = await jpegOfAbout(3 * 1024 * 1024, 4032);
  const phoneForm = multipart(phone);
  const idleRun = await p99();
  const loginRun = await p99({ request: options.login, connections: 32 });
  const uploadRun = await p99({
    request: {
      path: '/api/uploads',
      method: 'POST',
      headers: { ...auth, ...phoneForm.headers },
      body: phoneForm.body,
    },
    connections: 16,
  });
  const floodStatuses = (flood: Awaited<ReturnType<typeof load>> | undefined): Record<string, number> =>
    flood ? { total: flood.requests.total, non2xx: flood.non2xx, errors: flood.errors } : {};
  const figures: HeavyFigures['health'] = {
    connections: healthConnections,
    seconds: options.seconds,
    idleP99Ms: idleRun.probe.p99Ms,
    duringLoginFloodP99Ms: loginRun.probe.p99Ms,
    duringUploadFloodP99Ms: uploadRun.probe.p99Ms,
    probes: { idle: idleRun.probe, loginFlood: loginRun.probe, uploadFlood: uploadRun.probe },
    loginFlood: { connections: 32, statuses: floodStatuses(loginRun.flood) },
    uploadFlood: { connections: 16, imageBytes: phone.byteLength, statuses: floodStatuses(uploadRun.flood) },
  };
  log(
    `GET /api/health p99: idle ${figures.idleP99Ms} ms, during a login flood ${figures.duringLoginFloodP99Ms} ms, during an upload flood ${figures.duringUploadFloodP99Ms} ms (p50 ${idleRun.probe.p50Ms} / ${loginRun.probe.p50Ms} / ${uploadRun.probe.p50Ms} ms)`,
  );
  return { openDescriptors, uploads, health: figures };
}
