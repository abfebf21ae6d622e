import { writeFileSync } from 'node:fs';
import { printedSchema } from './index';

const target = new URL('./schema.graphql', import.meta.url);
writeFileSync(target, printedSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
