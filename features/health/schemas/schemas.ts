import { z } from 'zod';
import { ProblemSchema } from '@/features/core/http/problem';

export const HealthSchema = z.object({ status: z.literal('healthy') }).meta({ id: 'Health' });

const DatabaseCheckSchema = z
  .object({
    status: z.enum(['up', 'down']),
    driver: z.string().meta({ description: 'pglite, pglite-memory, pg or neon' }),
    latencyMs: z.number().nonnegative().optional(),
  })
  .meta({ id: 'DatabaseCheck' });

const MigrationsCheckSchema = z
  .object({
    status: z.enum(['up', 'pending', 'unknown']),
    applied: z.number().int().nonnegative().optional(),
    expected: z.number().int().nonnegative(),
    pending: z.array(z.string()).optional(),
  })
  .meta({ id: 'MigrationsCheck' });

const EmbedderCheckSchema = z
  .object({
    status: z.enum(['up', 'unknown']),
    modelId: z.string().meta({ description: 'The embedder whose vectors the feed ranks, e.g. feature-v1' }),
    dims: z.number().int().positive(),
    waitingForVector: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: 'Products without a vector of this model yet (embedded in the background)' }),
  })
  .meta({ id: 'EmbedderCheck', description: 'Informational: never makes the service unready' });

const AdmissionStateSchema = z
  .object({
    running: z.number().int().nonnegative(),
    waiting: z.number().int().nonnegative(),
    concurrency: z.number().int().positive(),
    queueSize: z.number().int().nonnegative(),
  })
  .meta({
    id: 'AdmissionState',
    description:
      'Heavy work running and waiting now, against its limits; a full queue answers 503 at_capacity',
  });

const AdmissionCheckSchema = z
  .object({
    status: z.literal('up'),
    passwordChecks: AdmissionStateSchema,
    imageProcessing: AdmissionStateSchema,
  })
  .meta({
    id: 'AdmissionCheck',
    description: "Informational: this process's admission control for heavy work",
  });

const LifecycleCheckSchema = z
  .object({ status: z.enum(['up', 'draining']) })
  .meta({ id: 'LifecycleCheck', description: '`draining` once the server is shutting down' });

export const ReadinessChecksSchema = z
  .object({
    database: DatabaseCheckSchema,
    migrations: MigrationsCheckSchema,
    lifecycle: LifecycleCheckSchema,
    embedder: EmbedderCheckSchema,
    admission: AdmissionCheckSchema,
  })
  .meta({ id: 'ReadinessChecks' });

export const RuntimeSchema = z
  .object({
    name: z.literal('node'),
    version: z.string().meta({ description: 'The Node.js version serving this process, e.g. 24.21.0' }),
  })
  .meta({ id: 'Runtime' });

export const ReadinessSchema = z
  .object({
    status: z.literal('ready'),
    runtime: RuntimeSchema.optional().meta({ description: 'Operators only (a loopback caller)' }),
    checks: ReadinessChecksSchema.optional().meta({ description: 'Operators only (a loopback caller)' }),
  })
  .meta({ id: 'Readiness' });

export const NotReadyProblemSchema = ProblemSchema.extend({
  checks: ReadinessChecksSchema.optional().meta({ description: 'Operators only (a loopback caller)' }),
}).meta({
  id: 'NotReadyProblem',
  description: 'A problem naming the failing readiness check',
});

export type ReadinessChecks = z.infer<typeof ReadinessChecksSchema>;
