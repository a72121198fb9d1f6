// The Dockerfile, read by a real parser (dockerfile-ast): the rules our image must keep (tests/unit/dockerfile.test.ts
// runs them in CI, as a lint) and the runtime stage's COPY list, which scripts/image-check.ts reproduces on disk to
// run what the image would hold without a container runtime.
import {
  type Cmd,
  type Copy,
  DockerfileParser,
  type Env,
  type Healthcheck,
  type Instruction,
  type JSONInstruction,
} from 'dockerfile-ast';

export interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

export interface RuntimeCopy {
  /** The stage it copies from. */
  from: string;
  sources: string[];
  destination: string;
}

export interface ParsedDockerfile {
  stages: Stage[];
  runtime: Stage;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  // ARGs before the first FROM, with their defaults: what FROM lines may name.
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue() ?? '');
  }
  const resolve = (value: string) =>
    value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args.get(name) ?? '');
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const [image = '', as, name] = instruction.getArguments().map((argument) => argument.getValue());
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : null,
        image: resolve(image),
        instructions: [],
      });
    } else if (stages.length > 0) {
      (stages.at(-1) as Stage).instructions.push(instruction);
    }
  }
  const runtime = stages.at(-1);
  if (!runtime) throw new Error('the Dockerfile has no FROM');
  return { stages, runtime };
}

const of = <T extends Instruction>(stage: Stage, keyword: string) =>
  stage.instructions.filter((instruction) => instruction.getKeyword() === keyword) as T[];

const jsonForm = (instruction: JSONInstruction): string[] | null =>
  instruction.getOpeningBracket() && instruction.getClosingBracket()
    ? instruction.getJSONStrings().map((part) => part.getJSONValue())
    : null;

export function runtimeCopies(parsed: ParsedDockerfile): RuntimeCopy[] {
  return of<Copy>(parsed.runtime, 'COPY').map((copy) => {
    const parts = copy
      .getArguments()
      .map((argument) => argument.getValue())
      .filter((value) => !value.startsWith('--'));
    return {
      from: copy.getFromFlag()?.getValue() ?? '',
      sources: parts.slice(0, -1),
      destination: parts.at(-1) ?? '',
    };
  });
}

export function runtimeEnv(parsed: ParsedDockerfile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of of<Env>(parsed.runtime, 'ENV'))
    for (const property of instruction.getProperties())
      env[property.getName()] = property.getUnescapedValue() ?? '';
  return env;
}

/** The HEALTHCHECK's command, exec form. */
export function healthcheckCommand(parsed: ParsedDockerfile): string[] | null {
  const healthcheck = of<Healthcheck>(parsed.runtime, 'HEALTHCHECK').at(-1);
  if (!healthcheck) return null;
  const text = healthcheck.getArgumentsContent() ?? '';
  const json = text.slice(text.indexOf('CMD') + 3).trim();
  try {
    const command = JSON.parse(json);
    return Array.isArray(command) ? command.map(String) : null;
  } catch {
    return null;
  }
}

export function runtimeCommand(parsed: ParsedDockerfile): string[] | null {
  const cmd = of<Cmd>(parsed.runtime, 'CMD').at(-1);
  return cmd ? jsonForm(cmd) : null;
}

/** What our image must be; an empty list when it is. */
export function lintDockerfile(text: string): string[] {
  const problems: string[] = [];
  let parsed: ParsedDockerfile;
  try {
    parsed = parseDockerfile(text);
  } catch (error) {
    return [(error as Error).message];
  }
  const { stages, runtime } = parsed;
  const names = new Set<string>();
  if (stages.length < 2) problems.push('multi-stage: build in one stage, run from another');
  for (const stage of stages) {
    if (!names.has(stage.image) && !/^node:24(\.[\d.]+)?-(\w+-)?slim(@sha256:[0-9a-f]+)?$/.test(stage.image))
      problems.push(`FROM ${stage.image}: every stage starts from Node 24 slim (node:24-slim)`);
    for (const copy of of<Copy>(stage, 'COPY')) {
      const from = copy.getFromFlag()?.getValue();
      if (from && !names.has(from)) problems.push(`COPY --from=${from}: no earlier stage of that name`);
    }
    if (stage.name) names.add(stage.name);
  }

  const user = of<Instruction>(runtime, 'USER').at(-1)?.getArgumentsContent()?.trim();
  if (!user) problems.push('the runtime stage sets no USER (it would run as root)');
  else if (/^(root|0)(:|$)/.test(user))
    problems.push(`USER ${user}: the runtime runs as an unprivileged user`);

  const env = runtimeEnv(parsed);
  if (env.HOST !== '0.0.0.0')
    problems.push('ENV HOST=0.0.0.0 in the runtime stage (loopback is unreachable)');
  if (env.NODE_ENV !== 'production') problems.push('ENV NODE_ENV=production in the runtime stage');

  const command = runtimeCommand(parsed);
  if (!command)
    problems.push('CMD in exec form (a JSON array): a shell form puts sh between the runtime and node');
  else if (command[0] !== 'node') problems.push(`CMD runs ${command[0]}: it runs node directly`);
  if (of<Instruction>(runtime, 'ENTRYPOINT').length > 0) problems.push('no ENTRYPOINT: CMD runs node itself');

  const health = healthcheckCommand(parsed);
  if (!health) problems.push('HEALTHCHECK CMD in exec form');
  else if (!health.join(' ').includes('/api/health')) problems.push('HEALTHCHECK probes /api/health');

  // node_modules comes from a stage that installed production dependencies only.
  const copies = runtimeCopies(parsed);
  const modules = copies.find((copy) => copy.sources.some((source) => /node_modules\/?$/.test(source)));
  if (!modules) problems.push('the runtime stage copies no node_modules');
  else {
    const source = stages.find((stage) => stage.name === modules.from);
    const installs = source
      ? of<Instruction>(source, 'RUN').map((run) => run.getArgumentsContent() ?? '')
      : [];
    if (!installs.some((run) => /npm ci\b.*--omit=dev/.test(run)))
      problems.push(`node_modules comes from stage ${modules.from}, which does not run npm ci --omit=dev`);
  }
  return problems;
}
