/**
 * Node's flags for the API's process, wherever it runs: `npm start` (package.json), the image
 * (Dockerfile), docker-compose.yml and the benchmarks that start the API as deployed. A test
 * (node-flags.test.ts) holds those places to this list.
 *
 * `--max-semi-space-size=64`: V8's young generation of 64 MiB per semi-space instead of Node
 * 20's 16. A page of 50 financings allocates about 12 MB, nearly all of it garbage as soon as the
 * answer is written; with 32 requests in flight the default young generation is collected while
 * most of their objects are still alive, so they are copied and promoted to the old generation,
 * whose collections cost far more. Measured at 32 concurrent clients, both settings side by side
 * (docs/performance.md, "The API's young generation"): the API's CPU per financings page 11% lower
 * and per receivables page 17% lower, for about 60-80 MiB more RSS under that load.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
