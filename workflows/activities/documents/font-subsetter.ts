import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// HarfBuzz's subsetter (hb-subset, the WebAssembly build that harfbuzzjs ships and subset-font
// wraps) with each font prepared once per process. subset-font copies the whole font (10 MB for
// Noto Sans SC) into HarfBuzz's memory and parses it into a face for every call: with six PDFs per
// financing that was a tenth of the worker's CPU. Here the face of each font is built on first
// use and kept; a document only builds the subset's input (its characters) and reads the result.

/** The hb-subset exports this file calls (harfbuzz-subset.wasm). */
interface HarfBuzz {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(bytes: number): number;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, value: number): void;
  hb_set_clear(set: number): void;
  hb_set_invert(set: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_set(input: number, kind: number): number;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

const HB_MEMORY_MODE_WRITABLE = 2;
const HB_SUBSET_SETS_DROP_TABLE_TAG = 3;
const HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6;

let harfBuzz: Promise<HarfBuzz> | undefined;

function loadHarfBuzz(): Promise<HarfBuzz> {
  harfBuzz ??= (async () => {
    const { instance } = await WebAssembly.instantiate(await readFile(require.resolve('harfbuzzjs/dist/harfbuzz-subset.wasm')));
    const exports = instance.exports as unknown as HarfBuzz;
    exports._initialize();
    return exports;
  })();
  return harfBuzz;
}

function tag(name: string): number {
  return [...name].reduce((value, char) => ((value << 8) + char.charCodeAt(0)) >>> 0, 0);
}

export interface FontSubsetter<Key extends string> {
  /** The font `key` cut down to `characters` (TrueType bytes), as subset-font would cut it with the same tables dropped. */
  subset(key: Key, characters: string): Promise<Uint8Array>;
  /** How many fonts were prepared (read and parsed into a face) so far: at most one per key. */
  facesBuilt(): number;
}

/**
 * A subsetter that reads and parses each font once (`fontBytes` is called once per key, on first
 * use) and keeps its face for the life of the process. `dropTables` are left out of every subset.
 */
export function createFontSubsetter<Key extends string>(fontBytes: (key: Key) => Promise<Uint8Array>, { dropTables }: { dropTables: readonly string[] }): FontSubsetter<Key> {
  const faces = new Map<Key, Promise<number>>();
  let built = 0;

  function faceOf(key: Key): Promise<number> {
    let face = faces.get(key);
    if (face === undefined) {
      face = (async () => {
        const [hb, bytes] = await Promise.all([loadHarfBuzz(), fontBytes(key)]);
        // Kept for the life of the process, as is the face that reads it: never freed.
        const data = hb.malloc(bytes.byteLength);
        new Uint8Array(hb.memory.buffer).set(bytes, data);
        const blob = hb.hb_blob_create(data, bytes.byteLength, HB_MEMORY_MODE_WRITABLE, 0, 0);
        const created = hb.hb_face_create(blob, 0);
        hb.hb_blob_destroy(blob);
        built += 1;
        return created;
      })();
      // A failed preparation must not be cached: the next document would fail for the same stale reason.
      face.catch(() => faces.delete(key));
      faces.set(key, face);
    }
    return face;
  }

  return {
    async subset(key, characters) {
      const [hb, face] = await Promise.all([loadHarfBuzz(), faceOf(key)]);
      // From here on synchronous: no other document can use HarfBuzz's memory in between.
      const input = hb.hb_subset_input_create_or_fail();
      if (input === 0) throw new Error('hb_subset_input_create_or_fail (HarfBuzz) failed');
      let subset: number;
      try {
        // Every layout feature, as subset-font keeps them by default (the tables that use them are dropped below).
        const features = hb.hb_subset_input_set(input, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG);
        hb.hb_set_clear(features);
        hb.hb_set_invert(features);
        const dropped = hb.hb_subset_input_set(input, HB_SUBSET_SETS_DROP_TABLE_TAG);
        for (const name of dropTables) hb.hb_set_add(dropped, tag(name));
        const unicodes = hb.hb_subset_input_unicode_set(input);
        for (const char of characters) hb.hb_set_add(unicodes, char.codePointAt(0) ?? 0);
        subset = hb.hb_subset_or_fail(face, input);
      } finally {
        hb.hb_subset_input_destroy(input);
      }
      if (subset === 0) throw new Error(`hb_subset_or_fail (HarfBuzz) failed for font ${key}`);
      const blob = hb.hb_face_reference_blob(subset);
      try {
        const offset = hb.hb_blob_get_data(blob, 0);
        const length = hb.hb_blob_get_length(blob);
        if (length === 0) throw new Error(`HarfBuzz made an empty subset of font ${key}`);
        // A copy: HarfBuzz's memory is reused by the next subset.
        return new Uint8Array(hb.memory.buffer, offset, length).slice();
      } finally {
        hb.hb_blob_destroy(blob);
        hb.hb_face_destroy(subset);
      }
    },
    facesBuilt: () => built,
  };
}
