import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a Dockerfile's stages without Docker, to prove the image from exactly what it copies
 * (issue 21: a build from the repository passed while the image's build context lacked
 * webpack.config.js, and both apps exited 1). Each stage gets a directory standing for its
 * root filesystem; `COPY` takes files from the build context (the repository minus
 * `.dockerignore`) or from an earlier stage, `RUN` runs with `sh` in the stage's `WORKDIR`.
 *
 * What cannot run here, and how it is stood in for:
 * - the base image: this machine's Node (the test checks its major version is the image's);
 * - `apt-get` (installing OS packages as root): skipped, and listed in `skipped`;
 * - `npm ci` (a network install, 30 s to minutes): the same lock file's install, reused.
 *   The full install is the repository's own `node_modules` (CI made it with `npm ci` from the
 *   same lock file; checked), hard-linked; an `npm ci --omit=dev` is made once per lock file
 *   and command into a cache under the temp directory, then hard-linked. Hard links, so a later
 *   step that removes packages (`npm prune`) never touches the originals; the one file npm
 *   rewrites in place, `node_modules/.package-lock.json`, is copied instead.
 * npm runs with a cache of its own, so a step that cleans npm's cache cleans that one.
 */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: string[];
  exposed: number[];
}

export interface Build {
  stages: Stage[];
  /** The last stage: the image. */
  image: Stage;
  skipped: string[];
}

/** A Dockerfile's instructions: continuation lines joined, comments and parser directives left out. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1);
      i++;
      if (!/^\s*#/.test(lines[i])) line += ' ' + lines[i].trim();
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${line}"`);
    out.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 });
  }
  return out;
}

/** Docker's `.dockerignore`: patterns anchored at the context root, `*` within a segment, `**` across, `!` re-includes; the last match wins. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/');
      return { negate, regex: new RegExp(`^${source}(/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const { negate, regex } of rules) if (regex.test(path)) ignored = !negate;
    return ignored;
  };
}

/** The build context: every file under `root` that `.dockerignore` does not exclude, relative paths. */
export function buildContext(root: string): string[] {
  const ignoreFile = join(root, '.dockerignore');
  const ignored = dockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (ignored(path)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  return files;
}

/** `["a", "b"]` (exec form) or a shell command (`sh -c`). */
function commandOf(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['sh', '-c', args];
}

/** Splits `--flag=value` options off the front of an instruction's arguments. */
function options(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest); m; m = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest)) {
    flags[m[1]] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/**
 * A hard-linked copy of a tree, but for `node_modules/.package-lock.json`, which npm rewrites in
 * place (`npm prune` did, through the link, to the repository's own).
 */
async function linkCopy(from: string, to: string): Promise<void> {
  // Through a symlinked node_modules (a git worktree sharing one), not a copy of the link: the
  // copy's .package-lock.json is replaced below, which would otherwise replace the original's.
  await run('cp', ['-al', realpathSync(from), to]);
  const written = join(to, '.package-lock.json');
  if (existsSync(written)) {
    rmSync(written);
    cpSync(join(from, '.package-lock.json'), written);
  }
}

/** Checks that the repository's node_modules is `npm ci` of this lock file (same packages and versions, only optional ones absent). */
function assertInstalledFrom(repo: string, lockText: string): void {
  const locked = (JSON.parse(lockText) as { packages: Record<string, { version?: string; optional?: boolean }> }).packages;
  const installedFile = join(repo, 'node_modules/.package-lock.json');
  if (!existsSync(installedFile)) throw new Error('node_modules was not installed by npm ci: run npm ci first');
  const installed = (JSON.parse(readFileSync(installedFile, 'utf8')) as { packages: Record<string, { version?: string }> }).packages;
  for (const [path, pkg] of Object.entries(installed))
    if (locked[path]?.version !== pkg.version) throw new Error(`node_modules differs from the lock file at ${path}: run npm ci`);
  for (const [path, pkg] of Object.entries(locked))
    if (path && !installed[path] && !pkg.optional) throw new Error(`node_modules lacks ${path}: run npm ci`);
}

/** Provides `npm ci <flags>` in `dir` from the lock file there, as described above. */
async function npmCi(repo: string, dir: string, command: string, npmCache: string): Promise<void> {
  const lock = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  if (/^npm ci(\s+--no-audit|\s+--no-fund)*$/.test(command)) {
    if (lock !== readFileSync(join(repo, 'package-lock.json'), 'utf8'))
      throw new Error('the stage has another lock file than the repository');
    assertInstalledFrom(repo, lock);
    await linkCopy(join(repo, 'node_modules'), join(dir, 'node_modules'));
    return;
  }
  const key = createHash('sha256')
    .update(lock)
    .update(readFileSync(join(dir, 'package.json')))
    .update(command)
    .digest('hex')
    .slice(0, 16);
  const cached = join(tmpdir(), 'callback-image-npm-ci', key);
  if (!existsSync(join(cached, 'node_modules'))) {
    const making = `${cached}.${process.pid}`;
    mkdirSync(making, { recursive: true });
    cpSync(join(dir, 'package.json'), join(making, 'package.json'));
    cpSync(join(dir, 'package-lock.json'), join(making, 'package-lock.json'));
    await run('sh', ['-c', `${command} --prefer-offline`], {
      cwd: making,
      env: { ...process.env, npm_config_cache: npmCache },
      maxBuffer: 1 << 26,
    });
    rmSync(cached, { recursive: true, force: true });
    await run('mv', [making, cached]);
  }
  await linkCopy(join(cached, 'node_modules'), join(dir, 'node_modules'));
}

/** Builds `dockerfile` (the repository's by default) with `repo` as its context, into directories under `out`. */
export async function buildDockerfile(repo: string, out: string, dockerfile = join(repo, 'Dockerfile')): Promise<Build> {
  const context = buildContext(repo);
  const instructions = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const stages: Stage[] = [];
  const skipped: string[] = [];
  // npm's own cache for cache-cleaning steps; installs reuse the real one (read only, --prefer-offline).
  const npmCache = join(out, '.npm-cache');
  const realNpmCache = (await run('npm', ['config', 'get', 'cache'])).stdout.trim();
  let stage: Stage | undefined;
  const at = (path: string) => join(stage!.root, path.startsWith('/') ? path : join(stage!.workdir, path));

  for (const { keyword, args, line } of instructions) {
    const where = `Dockerfile line ${line} (${keyword} ${args})`;
    if (keyword === 'FROM') {
      const [base, , name] = args.split(/\s+/);
      stage = { name: name ?? String(stages.length), base, root: join(out, `stage-${stages.length}`), workdir: '/', env: {}, exposed: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${where}: before any FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = args.startsWith('/') ? args : join(stage.workdir, args);
        mkdirSync(at('.'), { recursive: true });
        break;
      case 'ENV': {
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]] = m[2].replace(/^"|"$/g, '');
        break;
      }
      case 'COPY': {
        const { flags, rest } = options(args);
        const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        const dest = parts.pop()!;
        const from = flags.from ? stages.find((s) => s.name === flags.from) : undefined;
        if (flags.from && !from) throw new Error(`${where}: no stage ${flags.from}`);
        const toDir = dest.endsWith('/') || parts.length > 1;
        for (const src of parts) {
          if (from) {
            const source = join(from.root, src.startsWith('/') ? src : join(from.workdir, src));
            if (!existsSync(source)) throw new Error(`${where}: ${src} not found in stage ${from.name}`);
            const target = toDir ? join(at(dest), src.split('/').pop()!) : at(dest);
            mkdirSync(dirname(target), { recursive: true });
            if (statSync(source).isDirectory()) await linkCopy(source, target);
            else cpSync(source, target);
            continue;
          }
          const clean = src.replace(/^\.\/|\/$/g, '');
          const files = context.filter((f) => clean === '.' || f === clean || f.startsWith(`${clean}/`));
          if (files.length === 0) throw new Error(`${where}: ${src} is not in the build context`);
          for (const file of files) {
            const inside = file === clean ? file.split('/').pop()! : relative(clean === '.' ? '' : clean, file);
            const target = file === clean && !toDir ? at(dest) : join(at(dest), inside);
            mkdirSync(dirname(target), { recursive: true });
            cpSync(join(repo, file), target);
          }
        }
        break;
      }
      case 'RUN':
        for (const step of args.split(/\s*&&\s*/)) {
          if (/^apt-get\b|^rm -rf \/var\/lib\/apt/.test(step)) {
            skipped.push(step);
            continue;
          }
          if (/^npm ci\b/.test(step)) {
            await npmCi(repo, at('.'), step, realNpmCache);
            continue;
          }
          const env = { ...process.env, ...stage.env, npm_config_cache: npmCache };
          await run('sh', ['-c', step], { cwd: at('.'), env, maxBuffer: 1 << 26 }).catch((err) => {
            throw new Error(`${where}: ${step} failed: ${err.stderr || err.stdout || err.message}`);
          });
        }
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'CMD':
        stage.cmd = commandOf(args);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = commandOf(args);
        break;
      case 'EXPOSE':
        stage.exposed.push(...args.split(/\s+/).map((p) => Number(p.split('/')[0])));
        break;
      case 'HEALTHCHECK': {
        const { rest } = options(args);
        if (!rest.startsWith('CMD ')) throw new Error(`${where}: only HEALTHCHECK CMD is understood`);
        stage.healthcheck = commandOf(rest.slice(4).trim());
        break;
      }
      case 'ARG':
      case 'LABEL':
      case 'STOPSIGNAL':
        break;
      default:
        throw new Error(`${where}: not understood by this stand-in for docker build`);
    }
  }
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return { stages, image: stage, skipped };
}
