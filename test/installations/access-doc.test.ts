import fs from 'node:fs';
import path from 'node:path';
import prettier from 'prettier';
import { expect, it } from 'vitest';
import { accessDocument } from '../../src/installations/access-doc.js';

const file = path.resolve(import.meta.dirname, '../../docs/access.md');

it('docs/access.md is generated from the access table (npm run access-doc)', async () => {
  const options = (await prettier.resolveConfig(file)) ?? {};
  const generated = await prettier.format(accessDocument(), { ...options, filepath: file });
  expect(fs.readFileSync(file, 'utf8')).toBe(generated);
});

it('the page lists every route of the table with its capability', () => {
  const page = fs.readFileSync(file, 'utf8');
  expect(page).toMatch(
    /\| `POST \/invitations\/operators\/accept\/\{activationCode\}`\s+\| `installerAccount`/,
  );
  expect(page).toMatch(
    /\| `GET \/installations\/\{installationId\}\/users`\s+\| `share`\s+\| yes\s+\| 403\s+\| 404\s+\| 404\s+\| 401/,
  );
});
