// Kept apart from payload-converter.ts, which is bundled into the workflow sandbox:
// webpack would treat `import.meta.url` there as an asset reference.

/** Absolute path for the `payloadConverterPath` options of the worker, the bundler and the client. */
export const PAYLOAD_CONVERTER_PATH = new URL('./payload-converter.ts', import.meta.url).pathname;
