import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';

// Admission control for heavy work. argon2 and sharp run on libuv's 4-thread pool (and libvips' own
// threads): unbounded, a login or upload flood takes every thread and core, and every other request — even
// GET /api/health — waits behind it. Each kind of heavy work gets a bounded number running at once and a
// bounded queue; when the queue is full the request is refused at once (503 + Retry-After) instead of hanging.

export interface Admission {
  readonly name: string;
  /**
   * Runs `work` when a slot is free; throws `unavailable` at once when `queueSize` callers already wait. With
   * `signal` (the request's: aborted when its client goes), work whose caller left before its turn never starts:
   * it leaves the queue and throws `unavailable` (`code: 'abandoned'`) — nobody reads that answer.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Works running now (at most `concurrency`) and callers waiting (at most `queueSize`). */
  readonly running: number;
  readonly waiting: number;
  readonly concurrency: number;
  readonly queueSize: number;
}

export interface AdmissionOptions {
  /** What the work is, for the problem detail ("password checks", "image processing"). */
  name: string;
  concurrency: number;
  queueSize: number;
  retryAfterSeconds: number;
}

const abandoned = (name: string) =>
  new DomainError('unavailable', `The request was abandoned before its turn for ${name}.`, {
    code: 'abandoned',
  });

export function createAdmission(options: AdmissionOptions): Admission {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  };
  /** Resolves when `release` hands this caller a slot; rejects, out of the queue, if `signal` aborts first. */
  const waitForTurn = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        queue.splice(queue.indexOf(turn), 1);
        reject(abandoned(options.name));
      };
      signal?.addEventListener('abort', leave, { once: true });
      queue.push(turn);
    });
  return {
    name: options.name,
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    concurrency: options.concurrency,
    queueSize: options.queueSize,
    async run(work, signal) {
      if (signal?.aborted) throw abandoned(options.name);
      if (running < options.concurrency) running += 1;
      else if (queue.length < options.queueSize) await waitForTurn(signal);
      else
        throw new DomainError(
          'unavailable',
          `The server is at capacity for ${options.name}; retry in ${options.retryAfterSeconds} s.`,
          { retryAfter: options.retryAfterSeconds, code: 'at_capacity' },
        );
      // A slot is ours here (taken above, or handed over by `release` without decrementing).
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

// One per process, on globalThis: the production server and Next's compiled routes load this module twice.
const store = globalThis as typeof globalThis & {
  __stylippAdmission?: { passwordHashing: Admission; imageProcessing: Admission };
};

function admissions() {
  if (!store.__stylippAdmission) {
    const { admission } = getConfig();
    store.__stylippAdmission = {
      passwordHashing: createAdmission({ name: 'password checks', ...admission.passwordHashing }),
      imageProcessing: createAdmission({ name: 'image processing', ...admission.imageProcessing }),
    };
  }
  return store.__stylippAdmission;
}

/** argon2 hash and verify. */
export const passwordHashing = (): Admission => admissions().passwordHashing;
/** Decoding and re-encoding photos (sharp / libvips). */
export const imageProcessing = (): Admission => admissions().imageProcessing;
