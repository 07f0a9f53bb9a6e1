// The README's permission matrix, generated from PERMISSIONS (src/auth/permissions.ts), the one table
// the API enforces. `npm run docs:matrix` rewrites the README's section between the markers below;
// test/docs/permissions-matrix.test.ts fails when the README and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PERMISSION_NAMES, PERMISSIONS, ROLES, roleAllows, type Role } from '../src/auth/permissions.ts';

export const START = '<!-- permissions:start -->';
export const END = '<!-- permissions:end -->';
export const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

const TITLE: Record<Role, string> = { admin: 'administrator', owner: 'owner', manager: 'manager', employee: 'employee' };

/** The matrix as a Markdown table: one row per permission, one column per role. */
export function permissionsMatrix(): string {
  const rows = PERMISSION_NAMES.map((p) => `| \`${p}\` | ${PERMISSIONS[p].says} | ${ROLES.map((r) => (roleAllows(r, p) ? 'yes' : '—')).join(' | ')} |`);
  return [`| permission | allows | ${ROLES.map((r) => TITLE[r]).join(' | ')} |`, `|---|---|${ROLES.map(() => ':-:').join('|')}|`, ...rows].join('\n');
}

/** The README with its matrix section replaced by `matrix`; throws when the markers are missing. */
export function withMatrix(readme: string, matrix: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}, in that order`);
  return `${readme.slice(0, start + START.length)}\n${matrix}\n${readme.slice(end)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README, 'utf8');
  const after = withMatrix(before, permissionsMatrix());
  if (after === before) console.log('README.md: the permission matrix is up to date');
  else {
    writeFileSync(README, after);
    console.log('README.md: permission matrix rewritten from src/auth/permissions.ts');
  }
}
