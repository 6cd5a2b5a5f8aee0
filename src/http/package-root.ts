import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the platform's package.json: files beside the code (web/) are found from
 * there, whether the code runs from src/ (tsx) or from dist/src/ (the build).
 */
function findPackageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error('no package.json above the platform code');
    directory = parent;
  }
}

/** The absolute path of a file of the package, e.g. `packageFile('web', 'portal.css')`. */
export function packageFile(...segments: string[]): string {
  return path.join(findPackageRoot(), ...segments);
}
