// Temporal loads the payload converter with require(); inside vitest that require() of a
// .ts file needs tsx's CommonJS hook, which `tsx` itself installs outside the tests.
import { register } from 'tsx/cjs/api';

register();
