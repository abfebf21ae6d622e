// A run that starts two things and is then interrupted, for test/bench-interrupt.test.ts: each
// stop appends its name to the file given as the first argument. It prints `ready` once both are
// registered and then waits to be interrupted.
import { appendFile } from 'node:fs/promises';
import { stopCleanlyWhenInterrupted, stopWhenInterrupted } from '../../bench/interrupt';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: interruptible-run.ts <file>');
stopCleanlyWhenInterrupted(() => undefined);
stopWhenInterrupted(() => appendFile(file, 'started first\n'));
const second = stopWhenInterrupted(() => appendFile(file, 'started second\n'));
// Asked for once already, as a run's own `finally` would: the interruption must not stop it again.
if (process.argv.includes('--second-already-stopped')) await second();
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
