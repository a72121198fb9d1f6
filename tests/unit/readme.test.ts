import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { configSchema } from '@/features/core/config/schema';

// The README's tables cannot drift from the code: every variable the config module reads and every
// package.json script is listed (and .env.example documents every variable).

const readme = readFileSync('README.md', 'utf8');
const section = (heading: string) => {
  const start = readme.indexOf(heading);
  expect(start, `README has a "${heading}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + heading.length);
  return readme.slice(start, end === -1 ? undefined : end);
};
/** Back-quoted names in the first column of a Markdown table. */
const firstColumn = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]));

const variables = Object.keys(configSchema.in.shape).sort();

test('the configuration table lists every variable the config module reads', () => {
  expect(variables.length).toBeGreaterThan(30);
  const listed = new Set(firstColumn(section('## Configuration')));
  expect(variables.filter((name) => !listed.has(name))).toEqual([]);
  expect([...listed].filter((name) => !variables.includes(name as string))).toEqual([]);
});

test('the scripts table lists every package.json script', () => {
  const scripts = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).scripts).sort();
  const listed = new Set(firstColumn(section('## Scripts')));
  expect(scripts.filter((name) => !listed.has(name))).toEqual([]);
  expect([...listed].filter((name) => !scripts.includes(name as string))).toEqual([]);
});

test('.env.example documents every variable', () => {
  const example = readFileSync('.env.example', 'utf8');
  const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
  expect(variables.filter((name) => !documented.has(name))).toEqual([]);
});
