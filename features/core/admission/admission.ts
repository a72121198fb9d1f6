import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { inSpan } from '@/features/core/tracing/tracing';

// Admission control for heavy work. argon2 and sharp run on libuv's 4-thread pool (and libvips' own
// threads): unbounded, a login or upload flood takes every thread and core, and every other request — even
// GET /api/health — waits behind it. Each kind of heavy work gets a bounded number running at once and a
// bounded queue; when the queue is full the request is refused at once (503 + Retry-After) instead of hanging.

/**
 * Who asks for a slot. With a `client` (its rate-limit address), the queue is fair between clients: they are
 * served in turn (round robin, not first come), and one client holds at most `clientShare` of the slots and the
 * queue together. `reserved` work (sign-in) may also take the last `reservedQueue` places of the queue, which
 * other work never fills: a flood of other password checks cannot make sign-in answer 503.
 */
export interface AdmissionClaim {
  client?: string;
  reserved?: boolean;
}

export interface Admission {
  readonly name: string;
  /** The queue's id in metrics and traces (`password_hashing`, `image_processing`). */
  readonly queue: string;
  /**
   * Runs `work` when a slot is free; throws `unavailable` at once when the queue (or the client's share of it)
   * is full. With `signal` (the request's: aborted when its client goes), work whose caller left before its
   * turn never starts: it leaves the queue and throws `unavailable` (`code: 'abandoned'`) — nobody reads that
   * answer.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal, claim?: AdmissionClaim): Promise<T>;
  /** Works running now (at most `concurrency`) and callers waiting (at most `queueSize`). */
  readonly running: number;
  readonly waiting: number;
  /** Works refused since start because the queue (or the client's share) was full: each one a 503. */
  readonly refused: number;
  readonly concurrency: number;
  readonly queueSize: number;
}

export interface AdmissionOptions {
  /** What the work is, for the problem detail ("password checks", "image processing"). */
  name: string;
  /** Its id in metrics and traces (default: `name` in snake case). */
  queue?: string;
  concurrency: number;
  queueSize: number;
  retryAfterSeconds: number;
  /** Running plus waiting works one client may hold (default: no per-client bound). */
  clientShare?: number;
  /** Places at the end of the queue only `reserved` claims may take (default 0). */
  reservedQueue?: number;
}

const abandoned = (name: string) =>
  new DomainError('unavailable', `The request was abandoned before its turn for ${name}.`, {
    code: 'abandoned',
  });

const ANONYMOUS = Symbol('anonymous');

export function createAdmission(options: AdmissionOptions): Admission {
  const queue = options.queue ?? options.name.replaceAll(/\W+/g, '_');
  let running = 0;
  let waiting = 0;
  let refused = 0;
  // Waiters per client, and the clients in the order they are served (one turn each, then to the back).
  const queues = new Map<string | symbol, (() => void)[]>();
  const rotation: (string | symbol)[] = [];
  const held = new Map<string | symbol, number>();
  const hold = (client: string | symbol, delta: number) => {
    const count = (held.get(client) ?? 0) + delta;
    if (count > 0) held.set(client, count);
    else held.delete(client);
  };
  const release = () => {
    const client = rotation.shift();
    if (client === undefined) {
      running -= 1;
      return;
    }
    const waiters = queues.get(client) ?? [];
    const next = waiters.shift();
    if (waiters.length > 0) rotation.push(client);
    else queues.delete(client);
    waiting -= 1;
    next?.();
  };
  /** Resolves when `release` hands this caller a slot; rejects, out of the queue, if `signal` aborts first. */
  const waitForTurn = (client: string | symbol, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const waiters = queues.get(client) ?? [];
        waiters.splice(waiters.indexOf(turn), 1);
        if (waiters.length === 0) {
          queues.delete(client);
          rotation.splice(rotation.indexOf(client), 1);
        }
        waiting -= 1;
        reject(abandoned(options.name));
      };
      signal?.addEventListener('abort', leave, { once: true });
      const waiters = queues.get(client);
      if (waiters) waiters.push(turn);
      else {
        queues.set(client, [turn]);
        rotation.push(client);
      }
      waiting += 1;
    });
  const atCapacity = () => {
    refused += 1;
    return new DomainError(
      'unavailable',
      `The server is at capacity for ${options.name}; retry in ${options.retryAfterSeconds} s.`,
      { retryAfter: options.retryAfterSeconds, code: 'at_capacity' },
    );
  };
  const reservedQueue = Math.min(options.reservedQueue ?? 0, options.queueSize);
  const admit = async <T>(
    work: () => Promise<T>,
    signal?: AbortSignal,
    claim?: AdmissionClaim,
  ): Promise<T> => {
    if (signal?.aborted) throw abandoned(options.name);
    const client = claim?.client ?? ANONYMOUS;
    if (claim?.client !== undefined && options.clientShare !== undefined) {
      if ((held.get(client) ?? 0) >= options.clientShare) throw atCapacity();
    }
    const queueLimit = claim?.reserved ? options.queueSize : options.queueSize - reservedQueue;
    if (running < options.concurrency) running += 1;
    else if (waiting < queueLimit) {
      hold(client, 1);
      try {
        await waitForTurn(client, signal);
      } catch (error) {
        hold(client, -1);
        throw error;
      }
      hold(client, -1);
    } else throw atCapacity();
    // A slot is ours here (taken above, or handed over by `release` without decrementing).
    hold(client, 1);
    try {
      return await work();
    } finally {
      hold(client, -1);
      release();
    }
  };
  return {
    name: options.name,
    queue,
    get running() {
      return running;
    },
    get waiting() {
      return waiting;
    },
    get refused() {
      return refused;
    },
    concurrency: options.concurrency,
    queueSize: options.queueSize,
    // In a request traced: one span for the wait and the work, named by the queue.
    run: (work, signal, claim) =>
      inSpan(queue, { 'stylipp.admission.queue': queue }, () => admit(work, signal, claim)),
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
      passwordHashing: createAdmission({
        name: 'password checks',
        queue: 'password_hashing',
        ...admission.passwordHashing,
        // One address holds at most a quarter of the slots and queue; a quarter of the queue is kept for sign-in
        // and registration (accounts/service: `reserved`).
        clientShare: Math.max(
          1,
          Math.ceil((admission.passwordHashing.concurrency + admission.passwordHashing.queueSize) / 4),
        ),
        reservedQueue: Math.ceil(admission.passwordHashing.queueSize / 4),
      }),
      imageProcessing: createAdmission({
        name: 'image processing',
        queue: 'image_processing',
        ...admission.imageProcessing,
      }),
    };
  }
  return store.__stylippAdmission;
}

/** argon2 hash and verify. */
export const passwordHashing = (): Admission => admissions().passwordHashing;
/** Decoding and re-encoding photos (sharp / libvips). */
export const imageProcessing = (): Admission => admissions().imageProcessing;
