import { readFile } from 'node:fs/promises';
import subsetFont from 'subset-font';
import { describe, expect, it } from 'vitest';
import { DROPPED_TABLES, FONT_FILES, type FontWeight } from './document-fonts';
import { createFontSubsetter } from './font-subsetter';

// The fonts are prepared once per process: each weight is read and parsed into a HarfBuzz face
// on first use only, however many documents follow; and each subset is byte for byte the one
// subset-font makes from the whole font with the same tables dropped.

const TEXTS = ['应收账款转让通知书 Notice of assignment 2026-12-05', '融资条款 Financing terms ¥760,000.00', '结清证明 Settlement statement 6% ACT/360'];

describe('createFontSubsetter', () => {
  it('reads and prepares each font once, however many documents it cuts', async () => {
    const reads: FontWeight[] = [];
    const subsetter = createFontSubsetter<FontWeight>(
      async (weight) => {
        reads.push(weight);
        return readFile(FONT_FILES[weight]);
      },
      { dropTables: DROPPED_TABLES },
    );
    for (const text of TEXTS) {
      await Promise.all([subsetter.subset('regular', text), subsetter.subset('bold', text), subsetter.subset('regular', `${text} 2`)]);
    }
    expect(reads.sort()).toEqual(['bold', 'regular']);
    expect(subsetter.facesBuilt()).toBe(2);
  });

  it('cuts the same bytes as subset-font does from the whole font', async () => {
    const subsetter = createFontSubsetter<FontWeight>((weight) => readFile(FONT_FILES[weight]), { dropTables: DROPPED_TABLES });
    const whole = await readFile(FONT_FILES.regular);
    for (const text of TEXTS) {
      const characters = [...new Set(text)].sort().join('');
      const expected = await subsetFont(whole, characters, { targetFormat: 'sfnt', dropTables: [...DROPPED_TABLES] } as Parameters<typeof subsetFont>[2]);
      expect(Buffer.from(await subsetter.subset('regular', characters)).equals(expected)).toBe(true);
    }
  });

  it('prepares a font again after a failed read rather than keeping the failure', async () => {
    let attempts = 0;
    const subsetter = createFontSubsetter<FontWeight>(
      async (weight) => {
        attempts += 1;
        if (attempts === 1) throw new Error('disk unavailable');
        return readFile(FONT_FILES[weight]);
      },
      { dropTables: DROPPED_TABLES },
    );
    await expect(subsetter.subset('regular', 'A')).rejects.toThrow('disk unavailable');
    expect((await subsetter.subset('regular', 'A')).byteLength).toBeGreaterThan(0);
    expect(subsetter.facesBuilt()).toBe(1);
  });
});
