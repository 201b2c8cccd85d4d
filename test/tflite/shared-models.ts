import { readdirSync } from 'node:fs';
import { sharedPath } from '../helpers/shared.js';

/** Every .tflite under ../shared/models and ../shared/golden (recursively), sorted; [] when ../shared is absent. */
export function allSharedModels(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // describeShared reports the missing fixtures
    }
    for (const e of entries) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.tflite')) out.push(p);
    }
  };
  walk(sharedPath('models'));
  walk(sharedPath('golden'));
  return out.sort();
}
