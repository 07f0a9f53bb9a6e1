import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { RULE_IDS } from '../../src/engine/types.ts';

const RULES = new URL('../../docs/rules.md', import.meta.url);

it('docs/rules.md writes out exactly the rule ids the engine may cite, once each, in order', () => {
  const defined = [...readFileSync(RULES, 'utf8').matchAll(/^- \*\*([A-Z]\d+)\*\* /gm)].map((m) => m[1]);
  expect(defined).toEqual([...RULE_IDS]);
});
