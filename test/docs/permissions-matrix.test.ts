import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSION_NAMES } from '../../src/auth/permissions.ts';
import { permissionsMatrix, README, withMatrix } from '../../scripts/permissions-matrix.ts';

describe("the README's permission matrix", () => {
  it('is the one generated from PERMISSIONS (run `npm run docs:matrix` after changing src/auth/permissions.ts)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withMatrix(readme, permissionsMatrix()));
  });

  it('has a row per permission, and says the employee may view but not reveal keys (P3)', () => {
    const rows = permissionsMatrix().split('\n').slice(2);
    expect(rows).toHaveLength(PERMISSION_NAMES.length);
    // Columns: permission, allows, administrator, owner, manager, employee.
    const cells = (p: string) =>
      rows
        .find((r) => r.startsWith(`| \`${p}\` `))!
        .split(' | ')
        .slice(2)
        .map((c) => c.replace(' |', ''));
    expect(cells('property.view')).toEqual(['yes', 'yes', 'yes', 'yes']);
    expect(cells('key.reveal')).toEqual(['yes', 'yes', 'yes', '—']);
    expect(cells('token.manage')).toEqual(['yes', '—', '—', '—']);
  });

  it('refuses a README without the markers rather than appending somewhere', () => {
    expect(() => withMatrix('# no markers', 'x')).toThrow(/markers/);
  });
});
