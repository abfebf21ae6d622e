// docker-compose.yml cannot be started here (no Docker), so this checks it against the code
// instead: the entry points exist, the environment satisfies api/config.ts, and the services
// name each other consistently.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseBankSettings, parseConfig } from '../api/config';
import { API_NODE_FLAGS } from '../api/node-flags';

type Scalar = string | number | boolean | null;

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, Scalar> | string[];
  ports?: (string | number | { target: number | string; published?: number | string; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  container_name?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const ROOT = new URL('../', import.meta.url);
const COMPOSE_TEXT = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
// Compose resolves `<<` merge keys; YAML 1.2 parsers only do when asked.
const compose = parse(COMPOSE_TEXT, { merge: true }) as ComposeFile;
const DOCKERFILE_TEXT = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const DOCKERIGNORE_TEXT = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8');

const APP_SERVICES = {
  migrate: 'prisma/migrate-cli.ts',
  api: 'api/main.ts',
  worker: 'workflows/worker/main.ts',
} as const;

/** What a user must set (`${VAR:?message}`) stands in as a URL-safe value of 40 characters. */
/** What a user supplies for a required variable: random-looking, as production demands of a pepper. */
function requiredValue(name: string): string {
  return createHash('sha256').update(name).digest('base64url');
}

const INTERPOLATION = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's interpolation against an empty host environment: defaults apply, `$$` is `$`. */
function interpolate(text: string): string {
  return text.replace(INTERPOLATION, (match, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    if (operator === ':-' || operator === '-') return argument ?? '';
    if (operator === ':?' || operator === '?') return requiredValue(name);
    return '';
  });
}

/** Interpolations with neither a default nor a required marker: Compose would substitute ''. */
function unguardedVariables(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const match of value.matchAll(INTERPOLATION)) {
      if (match[0] !== '$$' && match[2] === undefined) found.push(match[1] ?? match[4] ?? match[0]);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) unguardedVariables(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) unguardedVariables(item, found);
  }
  return found;
}

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function rawEnvironment(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => {
        const at = line.indexOf('=');
        return at === -1 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function environmentOf(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(rawEnvironment(name)).map(([key, value]) => [key, interpolate(value)]));
}

function commandOf(name: string): string[] {
  const command = service(name).command;
  if (command === undefined) return [];
  return typeof command === 'string' ? command.split(/\s+/).filter(Boolean) : command;
}

interface Port {
  hostIp?: string;
  published?: number;
  target: number;
}

function portsOf(name: string): Port[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        target: Number(port.target),
        ...(port.published === undefined ? {} : { published: Number(port.published) }),
        ...(port.host_ip === undefined ? {} : { hostIp: port.host_ip }),
      };
    }
    const parts = interpolate(String(port)).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.at(-1));
    if (parts.length === 1) return { target };
    const published = Number(parts.at(-2));
    return parts.length === 3 ? { hostIp: parts[0], published, target } : { published, target };
  });
}

function dependsOn(name: string): Record<string, string | undefined> {
  const dependencies = service(name).depends_on ?? {};
  if (Array.isArray(dependencies)) return Object.fromEntries(dependencies.map((dependency) => [dependency, undefined]));
  return Object.fromEntries(Object.entries(dependencies).map(([dependency, options]) => [dependency, options?.condition]));
}

function hasHealthcheck(name: string): boolean {
  const healthcheck = service(name).healthcheck;
  const test = healthcheck?.test;
  if (!healthcheck || healthcheck.disable || test === undefined) return false;
  return Array.isArray(test) ? test.length > 1 && test[0] !== 'NONE' : test.trim() !== '';
}

/** Splits an image reference into name, tag and digest; a registry port is not a tag. */
function imageReference(reference: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest = '', digest] = reference.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  return {
    name,
    ...(colon === -1 ? {} : { tag: withoutDigest.slice(colon + 1) }),
    ...(digest === undefined ? {} : { digest }),
  };
}

function hostPort(address: string): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d+)$/.exec(address);
  if (!match) throw new Error(`not host:port: ${address}`);
  return { host: match[1] as string, port: Number(match[2]) };
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function dockerInstructions(text: string): { instruction: string; argument: string }[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  return logical.map((line) => {
    const space = line.search(/\s/);
    return { instruction: line.slice(0, space).toUpperCase(), argument: line.slice(space + 1).trim() };
  });
}

describe('docker-compose.yml', () => {
  it('has the expected services, each with an image or a build', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    for (const [name, definition] of Object.entries(compose.services)) {
      expect(definition.image !== undefined || definition.build !== undefined, `${name} needs an image or a build`).toBe(true);
    }
  });

  it('pins every image to a tag other than latest', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      if (definition.image === undefined) continue;
      const reference = imageReference(interpolate(definition.image));
      expect(reference.tag ?? reference.digest, `${name}: ${definition.image} has no tag`).toBeTruthy();
      expect(reference.tag, `${name}: ${definition.image}`).not.toBe('latest');
    }
    expect(imageReference(service('postgres').image ?? '').name).toBe('postgres');
    expect(imageReference(service('temporal').image ?? '').name).toBe('temporalio/auto-setup');
    expect(imageReference(service('temporal').image ?? '').tag).toMatch(/^1\.\d+\.\d+$/);
    expect(imageReference(service('temporal-ui').image ?? '').name).toBe('temporalio/ui');
  });

  it('leaves no interpolated variable without a default or a required marker', () => {
    expect(unguardedVariables(compose)).toEqual([]);
  });

  it.each(Object.entries(APP_SERVICES))('builds %s from the repository Dockerfile and runs %s, which exists', (name, entryPoint) => {
    const build = service(name).build;
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile = typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
    const contextUrl = new URL(context.endsWith('/') ? context : `${context}/`, ROOT);
    expect(fileURLToPath(contextUrl)).toBe(fileURLToPath(ROOT));
    expect(existsSync(new URL(dockerfile, contextUrl)), `${dockerfile} in ${context}`).toBe(true);

    // tsx itself: `npx tsx` would not pass SIGTERM on to the process. The API with its Node flags.
    expect(commandOf(name)).toEqual(['tsx', ...(name === 'api' ? API_NODE_FLAGS : []), entryPoint]);
    expect(existsSync(new URL(entryPoint, ROOT)), entryPoint).toBe(true);
  });

  it('gives the API an environment that api/config.ts accepts, listening on all interfaces', () => {
    const environment = environmentOf('api');
    const config = parseConfig(environment);
    expect(config.NODE_ENV).toBe('production');
    expect(config.API_HOST).toBe('0.0.0.0');
    // A misspelt variable would be ignored by the schema and its default used silently.
    for (const key of Object.keys(environment)) expect(Object.keys(config), `${key} is not read by api/config.ts`).toContain(key);
  });

  it('gives the worker the API environment without the listening address', () => {
    const environment = environmentOf('worker');
    const config = parseConfig(environment);
    expect(config.NODE_ENV).toBe('production');
    for (const key of Object.keys(environment)) expect(Object.keys(config), `${key} is not read by api/config.ts`).toContain(key);
    const { API_HOST: _host, API_PORT: _port, ...apiWithoutListener } = environmentOf('api');
    expect(environment).toEqual(apiWithoutListener);
  });

  it('requires the API key pepper from the user instead of carrying one', () => {
    for (const name of ['api', 'worker']) {
      expect(rawEnvironment(name).API_KEY_PEPPER).toMatch(/^\$\{API_KEY_PEPPER:\?[^}]+\}$/);
    }
    expect(COMPOSE_TEXT).not.toMatch(/development-only-pepper/);
  });

  it('points TEMPORAL_ADDRESS at the temporal service and its gRPC port', () => {
    const temporalPorts = portsOf('temporal').map((port) => port.target);
    for (const name of ['api', 'worker', 'temporal-ui']) {
      const { host, port } = hostPort(environmentOf(name).TEMPORAL_ADDRESS ?? '');
      expect(host, name).toBe('temporal');
      expect(temporalPorts, name).toContain(port);
    }
    expect(temporalPorts).toContain(7233);
  });

  it('lets Temporal create the namespace the application uses, in the shared PostgreSQL', () => {
    const temporal = environmentOf('temporal');
    const postgres = environmentOf('postgres');
    expect(temporal.DB).toBe('postgres12');
    expect(temporal.POSTGRES_SEEDS).toBe('postgres');
    expect(temporal.DB_PORT).toBe('5432');
    expect(temporal.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
    expect(temporal.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
    expect(temporal.DEFAULT_NAMESPACE ?? 'default').toBe(parseConfig(environmentOf('api')).TEMPORAL_NAMESPACE);
  });

  it('connects every application process to the postgres service and its database', () => {
    const postgres = environmentOf('postgres');
    for (const name of Object.keys(APP_SERVICES)) {
      const url = new URL(environmentOf(name).DATABASE_URL ?? '');
      expect(url.hostname, name).toBe('postgres');
      expect(url.port || '5432', name).toBe('5432');
      expect(decodeURIComponent(url.username), name).toBe(postgres.POSTGRES_USER);
      expect(decodeURIComponent(url.password), name).toBe(postgres.POSTGRES_PASSWORD);
      expect(url.pathname.slice(1), name).toBe(postgres.POSTGRES_DB ?? postgres.POSTGRES_USER);
    }
  });

  it('publishes the API on the port it listens on', () => {
    const apiPort = parseConfig(environmentOf('api')).API_PORT;
    expect(portsOf('api').map((port) => port.target)).toContain(apiPort);
  });

  it('keeps the worker scalable: no fixed container name, no host port', () => {
    expect(service('worker').container_name).toBeUndefined();
    expect(portsOf('worker').filter((port) => port.published !== undefined)).toEqual([]);
  });

  it('runs the migration once', () => {
    expect(service('migrate').restart).toBe('no');
  });

  it("migrates for the bank the processes use: the simulator's tables exactly where it plays the bank", () => {
    // The image sets NODE_ENV=production for every process, the migration's included.
    const migrate = parseBankSettings({ NODE_ENV: 'production', ...environmentOf('migrate') });
    for (const name of ['api', 'worker']) {
      const { BANK_ADAPTER, ALLOW_SIMULATED_BANK_IN_PRODUCTION } = parseConfig(environmentOf(name));
      expect({ BANK_ADAPTER, ALLOW_SIMULATED_BANK_IN_PRODUCTION }, name).toEqual({ BANK_ADAPTER: migrate.BANK_ADAPTER, ALLOW_SIMULATED_BANK_IN_PRODUCTION: migrate.ALLOW_SIMULATED_BANK_IN_PRODUCTION });
    }
    expect(rawEnvironment('migrate').BANK_ADAPTER).toBe(rawEnvironment('worker').BANK_ADAPTER);
  });

  it('has healthchecks on postgres, temporal and api', () => {
    for (const name of ['postgres', 'temporal', 'api']) expect(hasHealthcheck(name), name).toBe(true);
  });

  it('orders start-up with conditions that the dependencies can meet', () => {
    expect(dependsOn('temporal')).toEqual({ postgres: 'service_healthy' });
    expect(dependsOn('migrate')).toEqual({ postgres: 'service_healthy' });
    for (const name of ['api', 'worker']) {
      expect(dependsOn(name), name).toEqual({ migrate: 'service_completed_successfully', temporal: 'service_healthy' });
    }
    for (const name of Object.keys(compose.services)) {
      for (const [dependency, condition] of Object.entries(dependsOn(name))) {
        expect(compose.services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
        expect(condition, `${name} -> ${dependency}`).toMatch(/^service_(healthy|completed_successfully|started)$/);
        if (condition === 'service_healthy') expect(hasHealthcheck(dependency), `${dependency} needs a healthcheck`).toBe(true);
        if (condition === 'service_completed_successfully') expect(service(dependency).restart, dependency).toBe('no');
      }
    }
  });

  it('gives postgres a named volume', () => {
    const volumes = (service('postgres') as Service & { volumes?: string[] }).volumes ?? [];
    const named = volumes.map((volume) => volume.split(':')[0] ?? '').filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    expect(named.length).toBeGreaterThan(0);
    for (const volume of named) expect(compose.volumes ?? {}).toHaveProperty(volume);
  });

  describe('the API healthcheck', () => {
    const servers: Server[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
    });

    async function listen(status: number): Promise<{ port: number; paths: string[] }> {
      const paths: string[] = [];
      const server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(status).end();
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { port: (server.address() as AddressInfo).port, paths };
    }

    function runHealthcheck(port: number): Promise<number> {
      const test = service('api').healthcheck?.test;
      if (!Array.isArray(test) || test[0] !== 'CMD' || test[1] !== 'node') throw new Error('expected ["CMD", "node", ...]');
      const args = test.slice(2).map(interpolate);
      const env = { ...process.env, ...environmentOf('api'), API_PORT: String(port) };
      return new Promise((resolve) => {
        execFile(process.execPath, args, { env, timeout: 10_000 }, (error) => {
          resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0);
        });
      });
    }

    it('counts a 401 from /graphql as healthy', async () => {
      const { port, paths } = await listen(401);
      expect(await runHealthcheck(port)).toBe(0);
      expect(paths).toEqual(['/graphql']);
    });

    it('fails when nothing listens', async () => {
      const { port } = await listen(200);
      await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
      expect(await runHealthcheck(port)).not.toBe(0);
    });
  });
});

describe('Dockerfile', () => {
  const instructions = dockerInstructions(DOCKERFILE_TEXT);
  const indexOf = (instruction: string, pattern: RegExp): number =>
    instructions.findIndex((entry) => entry.instruction === instruction && pattern.test(entry.argument));

  it('starts from Node 20 on Debian slim', () => {
    expect(instructions[0]?.instruction).toBe('FROM');
    expect(instructions.filter((entry) => entry.instruction === 'FROM').map((entry) => entry.argument.split(/\s+/)[0])).toContain('node:20-bookworm-slim');
  });

  it('installs from the lockfile with npm 11, which honours allowScripts', () => {
    const npm11 = indexOf('RUN', /\bnpm (install|i) (-g|--global) npm@11\b/);
    const copyLock = indexOf('COPY', /\bpackage-lock\.json\b/);
    const npmCi = indexOf('RUN', /\bnpm ci\b/);
    expect(npm11).toBeGreaterThanOrEqual(0);
    expect(copyLock).toBeGreaterThanOrEqual(0);
    expect(npmCi).toBeGreaterThan(Math.max(npm11, copyLock));
    expect(instructions[copyLock]?.argument).toMatch(/\bpackage\.json\b/);
  });

  it('generates the Prisma client without a schema engine', () => {
    const generate = indexOf('RUN', /\bprisma generate\b/);
    expect(generate).toBeGreaterThan(indexOf('RUN', /\bnpm ci\b/));
    expect(instructions[generate]?.argument).toMatch(/PRISMA_SCHEMA_ENGINE_BINARY=\S+/);
  });

  it('runs as a non-root user in production mode and defaults to the API', () => {
    const users = instructions.filter((entry) => entry.instruction === 'USER').map((entry) => entry.argument);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(instructions.some((entry) => entry.instruction === 'ENV' && /\bNODE_ENV=production\b/.test(entry.argument))).toBe(true);
    const expose = instructions.filter((entry) => entry.instruction === 'EXPOSE').flatMap((entry) => entry.argument.split(/\s+/));
    expect(expose).toContain(String(parseConfig(environmentOf('api')).API_PORT));
    const cmd = instructions.filter((entry) => entry.instruction === 'CMD').at(-1)?.argument;
    expect(cmd).toMatch(/api\/main\.ts/);
    expect(cmd).not.toMatch(/\bnpx\b/);
  });

  it('puts the installed binaries (tsx) on PATH for the commands in docker-compose.yml', () => {
    const workdir = instructions.filter((entry) => entry.instruction === 'WORKDIR').at(-1)?.argument;
    expect(workdir).toBeDefined();
    const path = instructions
      .filter((entry) => entry.instruction === 'ENV')
      .map((entry) => /\bPATH=(\S+)/.exec(entry.argument)?.[1])
      .filter((value) => value !== undefined)
      .at(-1);
    expect(path?.split(':')).toContain(`${workdir}/node_modules/.bin`);
  });

  it('keeps host-built and secret files out of the build context', () => {
    const ignored = DOCKERIGNORE_TEXT.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    for (const path of ['node_modules', 'prisma/generated', '.data', '.tools', '.git', 'coverage', 'bench/results', '.env']) {
      expect(ignored, path).toContain(path);
    }
  });
});
