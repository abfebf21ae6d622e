// Browser tests run the Chromium that the @sparticuz/chromium npm package carries inside it,
// compressed: browser downloads (`npx playwright install`) do not work where the project is
// built, and installing Debian's `chromium` needs root. `npm ci` installs the package; the
// first launch unpacks it into .tools/chromium/<version>/ (about 2 s), later launches reuse it.
// CHROMIUM_PATH runs another build instead, such as Debian's /usr/bin/chromium.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const LAUNCH_TIMEOUT_MS = 30_000;
const TAR_BLOCK_BYTES = 512;

const ROOT = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/** The folder of the package's compressed files: its entry point is build/index.js, they are in bin/. */
function packageBinDir(): string {
  return join(dirname(require.resolve('@sparticuz/chromium')), '..', 'bin');
}

function packageVersion(binDir: string): string {
  return (JSON.parse(readFileSync(join(binDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Unpacks the regular files of a tar archive. The package's library archive holds only those;
 * anything else (a link, a path leaving the folder) is refused rather than guessed at.
 */
function untar(archive: Buffer, target: string): void {
  for (let offset = 0; offset + TAR_BLOCK_BYTES <= archive.length; ) {
    const header = archive.subarray(offset, offset + TAR_BLOCK_BYTES);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const path = normalize(name);
    if (type !== '0' && type !== '5') throw new Error(`unexpected tar entry ${name} of type ${type}`);
    if (path.startsWith('..') || path.startsWith('/')) throw new Error(`tar entry ${name} leaves its folder`);
    const body = archive.subarray(offset + TAR_BLOCK_BYTES, offset + TAR_BLOCK_BYTES + size);
    if (type === '5') {
      mkdirSync(join(target, path), { recursive: true });
    } else {
      mkdirSync(dirname(join(target, path)), { recursive: true });
      writeFileSync(join(target, path), body, { mode: Number.parseInt(field(100, 8).trim() || '644', 8) & 0o755 });
    }
    offset += TAR_BLOCK_BYTES + Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
  }
}

/**
 * Moves a finished file or folder into place. Two test runs may unpack at once: each writes its
 * own partial copy and the first rename wins, so no run ever starts a half-written browser.
 */
function publish(partial: string, final: string): void {
  try {
    renameSync(partial, final);
  } catch (error) {
    if (!existsSync(final)) throw error;
    rmSync(partial, { recursive: true, force: true });
  }
}

interface UnpackedChromium {
  executablePath: string;
  libDir: string;
  fontsConfig: string;
}

async function unpackedChromium(): Promise<UnpackedChromium> {
  const binDir = packageBinDir();
  const dir = join(ROOT, '.tools', 'chromium', packageVersion(binDir));
  const executablePath = join(dir, 'chromium');
  const libDir = join(dir, 'lib');
  mkdirSync(dir, { recursive: true });
  const partial = (name: string) => join(dir, `${name}.${process.pid}.partial`);
  // The libraries Chromium links (NSS, expat): a machine without them can still run it.
  if (!existsSync(libDir)) {
    rmSync(partial('libs'), { recursive: true, force: true });
    untar(brotliDecompressSync(readFileSync(join(binDir, 'al2023.tar.br'))), partial('libs'));
    publish(join(partial('libs'), 'lib'), libDir);
    rmSync(partial('libs'), { recursive: true, force: true });
  }
  if (!existsSync(executablePath)) {
    await pipeline(createReadStream(join(binDir, 'chromium.br')), createBrotliDecompress(), createWriteStream(partial('chromium'), { mode: 0o755 }));
    publish(partial('chromium'), executablePath);
  }
  // The system's fonts, and Noto Sans SC from the package the PDFs use: the seeded parties'
  // names are Chinese, and a machine without CJK fonts would draw them as boxes.
  const notoDir = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'));
  const fontsConfig = join(dir, 'fonts.conf');
  writeFileSync(
    partial('fonts.conf'),
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <dir>${notoDir}</dir>`,
      `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  // Renamed over the old one: a browser starting meanwhile reads either file whole.
  renameSync(partial('fonts.conf'), fontsConfig);
  return { executablePath, libDir, fontsConfig };
}

/** A headless Chromium driven by playwright-core; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return chromium.launch({ executablePath: explicit, timeout: LAUNCH_TIMEOUT_MS });
  const { executablePath, libDir, fontsConfig } = await unpackedChromium();
  const libraryPath = [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return chromium.launch({
    executablePath,
    timeout: LAUNCH_TIMEOUT_MS,
    env: { ...process.env, LD_LIBRARY_PATH: libraryPath, FONTCONFIG_FILE: fontsConfig },
  });
}
