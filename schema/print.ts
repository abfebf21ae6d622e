import { writeFileSync } from 'node:fs';
import { printedDevelopmentAdditions, printedSchema } from './index';

// Both printed schemas: the one every API serves, and what development adds to it.
const targets: Array<[URL, string]> = [
  [new URL('./schema.graphql', import.meta.url), printedSchema()],
  [new URL('./development-bank.graphql', import.meta.url), await printedDevelopmentAdditions()],
];
for (const [target, text] of targets) {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
