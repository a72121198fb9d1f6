import { expect, test } from '@playwright/test';
import { createAdmission } from '@/features/core/admission/admission';
import { DomainError } from '@/features/core/errors/errors';

// Bounded concurrency + bounded queue; a full queue refuses at once with `unavailable` (503 + Retry-After).

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

test('at most `concurrency` run; `queueSize` wait in order; the next caller is refused at once', async () => {
  const admission = createAdmission({ name: 'hashing', concurrency: 2, queueSize: 2, retryAfterSeconds: 3 });
  const started: number[] = [];
  const gates = Array.from({ length: 4 }, deferred);
  const runs = gates.map((gate, i) =>
    admission.run(async () => {
      started.push(i);
      await gate.promise;
      return i;
    }),
  );
  await Promise.resolve();
  expect(started).toEqual([0, 1]);
  expect([admission.running, admission.waiting]).toEqual([2, 2]);

  const refused = await admission.run(async () => 'never').catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(DomainError);
  expect(refused).toMatchObject({ kind: 'unavailable', retryAfter: 3, code: 'at_capacity' });
  expect((refused as Error).message).toContain('hashing');
  // Counted for the metrics (stylipp_admission_refused_total); queued and admitted works are not.
  expect(admission.refused).toBe(1);
  expect(admission.queue).toBe('hashing');

  gates[1]?.resolve();
  await runs[1];
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1, 2]); // first come, first served
  // A failing job frees its slot as well.
  gates[0]?.reject(new Error('boom'));
  await expect(runs[0] as Promise<number>).rejects.toThrow('boom');
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1, 2, 3]);
  gates[2]?.resolve();
  gates[3]?.resolve();
  expect(await Promise.all(runs.slice(1))).toEqual([1, 2, 3]);
  expect([admission.running, admission.waiting]).toEqual([0, 0]);
});

test('a queue of 0 only admits up to the concurrency', async () => {
  const admission = createAdmission({ name: 'x', concurrency: 1, queueSize: 0, retryAfterSeconds: 1 });
  const gate = deferred();
  const first = admission.run(() => gate.promise);
  await expect(admission.run(async () => 1)).rejects.toMatchObject({ kind: 'unavailable' });
  gate.resolve();
  await first;
  expect(await admission.run(async () => 2)).toBe(2);
  expect(admission.refused).toBe(1);
});

test('a caller whose client left (its signal aborted) leaves the queue; its work never starts', async () => {
  const admission = createAdmission({ name: 'photos', concurrency: 1, queueSize: 2, retryAfterSeconds: 2 });
  const gate = deferred();
  const started: string[] = [];
  const job = (name: string) => async () => {
    started.push(name);
    return name;
  };
  const first = admission.run(async () => {
    started.push('first');
    await gate.promise;
    return 'first';
  });
  const client = new AbortController();
  const left = admission.run(job('left'), client.signal);
  const stays = admission.run(job('stays'), new AbortController().signal);
  expect([admission.running, admission.waiting]).toEqual([1, 2]);

  client.abort();
  await expect(left).rejects.toMatchObject({ kind: 'unavailable', code: 'abandoned' });
  expect(admission.waiting).toBe(1); // its place went at once, not when its turn came
  gate.resolve();
  expect(await Promise.all([first, stays])).toEqual(['first', 'stays']);
  expect(started).toEqual(['first', 'stays']);
  expect([admission.running, admission.waiting]).toEqual([0, 0]);

  // Already gone when it arrives: refused without taking a free slot.
  const gone = new AbortController();
  gone.abort();
  await expect(admission.run(job('gone'), gone.signal)).rejects.toMatchObject({ code: 'abandoned' });
  expect(started).not.toContain('gone');
  expect(admission.running).toBe(0);
  // An abort after the slot was handed over changes nothing: the work runs to its end.
  const late = new AbortController();
  const running = admission.run(async () => {
    late.abort();
    return 'done';
  }, late.signal);
  expect(await running).toBe('done');
});

test('fair between clients: served in turn, one client holds at most its share, reserved places stay for sign-in', async () => {
  const admission = createAdmission({
    name: 'password checks',
    concurrency: 1,
    queueSize: 4,
    retryAfterSeconds: 1,
    clientShare: 3,
    reservedQueue: 1,
  });
  const started: string[] = [];
  const gates: (() => void)[] = [];
  const job = (label: string) => () =>
    new Promise<string>((resolve) => {
      started.push(label);
      gates.push(() => resolve(label));
    });
  const runs = [
    admission.run(job('a1'), undefined, { client: 'a' }),
    admission.run(job('a2'), undefined, { client: 'a' }),
    admission.run(job('a3'), undefined, { client: 'a' }),
  ];
  // The flooding address is at its share: refused at once, whatever room is left.
  await expect(admission.run(job('a4'), undefined, { client: 'a' })).rejects.toMatchObject({
    code: 'at_capacity',
  });
  runs.push(admission.run(job('b1'), undefined, { client: 'b' }));
  // Queue 3 of 4: the last place is sign-in's.
  await expect(admission.run(job('c1'), undefined, { client: 'c' })).rejects.toMatchObject({
    code: 'at_capacity',
  });
  runs.push(admission.run(job('s1'), undefined, { client: 'c', reserved: true }));
  expect([admission.running, admission.waiting]).toEqual([1, 4]);
  for (let i = 0; i < 5; i += 1) {
    gates[i]?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Round robin: b and the sign-in are served before a's second and third.
  expect(started).toEqual(['a1', 'a2', 'b1', 's1', 'a3']);
  expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'a3', 'b1', 's1']);
  expect([admission.running, admission.waiting]).toEqual([0, 0]);
});
