import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/** `docker compose` (plugin) or `docker-compose` (standalone), whichever this machine has. */
function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    try {
      execFileSync(cmd[0]!, [...cmd.slice(1), 'version'], { stdio: 'ignore' });
      return cmd;
    } catch {
      // not installed
    }
  }
  return undefined;
}

const compose = composeCommand();

describe('cluster packaging', () => {
  // Reason for skipIf: validating needs a compose CLI; .ci/run installs one where it can.
  it.skipIf(!compose)('docker-compose.yml is valid and describes the whole cluster', () => {
    const [cmd, ...pre] = compose!;
    const out = execFileSync(cmd!, [...pre, 'config'], { cwd: ROOT, encoding: 'utf8' });
    for (const service of ['postgres:', 'redis:', 'replica1:', 'replica2:', 'replica3:', 'lb:']) {
      expect(out).toContain(service);
    }
    expect(out).toMatch(/appendonly/);
    expect(out).toMatch(/noeviction/);
    expect(out).toMatch(/DATABASE_URL: postgres:\/\//);
    expect(out).toMatch(/REDIS_URL: redis:\/\//);
    expect(out).toMatch(/ADMIN_TOKEN:/);
  });

  it('the admin token comes from .env, whose example holds a placeholder the server refuses', () => {
    const composeFile = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
    expect(composeFile).toContain('ADMIN_TOKEN: ${ADMIN_TOKEN:-}');
    expect(readFileSync(`${ROOT}.env.example`, 'utf8')).toMatch(/^ADMIN_TOKEN=replace-me/m);
  });

  it('the load balancer config names every replica and the image runs the compiled server', () => {
    const nginx = readFileSync(`${ROOT}deploy/nginx.conf`, 'utf8');
    for (const r of ['replica1:3000', 'replica2:3000', 'replica3:3000']) expect(nginx).toContain(r);
    const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main.js"\]/);
    expect(dockerfile).toContain('COPY migrations');
  });
});

describe('README for operators', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = (title: string) => {
    const start = readme.indexOf(`## ${title}\n`);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end === -1 ? undefined : end);
  };

  it('the replicated quick start waits for every /readyz before its first request', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section('Replicated mode'))?.[1] ?? '';
    const wait = block.search(/until curl -sf [^\n]*\/readyz/);
    expect(wait, block).toBeGreaterThan(-1);
    expect(block.indexOf('/api/v1/ad')).toBeGreaterThan(wait);
  });

  it('says which lag metric to alert on', () => {
    expect(section('Replicated mode')).toMatch(/Alert on `adsm_replication_lag_entries`/);
  });

  it('documents every edge setting and the auth default', () => {
    for (const name of [
      'ADMIN_AUTH',
      'MAX_CONNECTIONS',
      'HEADERS_TIMEOUT_MS',
      'REQUEST_TIMEOUT_MS',
      'BODY_IDLE_TIMEOUT_MS',
    ]) {
      expect(section('Configuration')).toContain(`| \`${name}\``);
    }
    expect(section('Configuration')).toContain('### For operators');
  });
});
