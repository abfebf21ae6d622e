// The benchmarks time the API as it runs in production, where the Dockerfile sets
// NODE_ENV=production. graphql-js reads it once, when it is loaded, to choose between its
// development-mode checks (an instanceof check on every schema object it meets, about 2% of a
// page's CPU) and none; so this module is imported first, before anything loads graphql-js. A
// NODE_ENV given on the command line is kept.
process.env.NODE_ENV ??= 'production';

export const BENCH_NODE_ENV = process.env.NODE_ENV;
