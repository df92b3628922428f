import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('cluster packaging', () => {
  const run = (...args: string[]) => {
    const [cmd, ...pre] = compose!;
    return execFileSync(cmd!, [...pre, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ADMIN_TOKEN: '' },
    });
  };

  // Reason for skipIf: validating needs a compose CLI; .ci/run installs one where it can.
  it.skipIf(!compose)('docker-compose.yml is valid: one scalable adsm service behind nginx', () => {
    const out = run('config');
    const doc = parse(out) as {
      services: Record<
        string,
        {
          ports?: unknown[];
          container_name?: string;
          profiles?: string[];
          environment?: Record<string, string>;
          stop_grace_period?: string;
        }
      >;
    };
    const always = Object.entries(doc.services).filter(([, s]) => !s.profiles?.length);
    expect(always.map(([name]) => name).sort()).toEqual(['adsm', 'lb', 'postgres', 'redis']);
    const adsm = doc.services.adsm!;
    // `--scale adsm=N` needs a service without a fixed name or a published host port.
    expect(adsm.container_name).toBeUndefined();
    expect(adsm.ports).toBeUndefined();
    expect(adsm.environment).toMatchObject({ WORKERS: '1' });
    expect(adsm.environment!.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(adsm.environment!.REDIS_URL).toMatch(/^redis:\/\//);
    expect(adsm.environment).toHaveProperty('ADMIN_TOKEN');
    expect(doc.services.lb!.ports).toBeDefined();
    expect(out).toMatch(/appendonly/);
    expect(out).toMatch(/noeviction/);
  });

  it.skipIf(!compose)(
    'the monitoring profile adds Prometheus and Grafana with what deploy/ provisions',
    () => {
      const doc = parse(run('--profile', 'monitoring', 'config')) as {
        services: Record<
          string,
          { profiles?: string[]; volumes?: ({ source: string; target: string } | string)[] }
        >;
      };
      expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['prometheus', 'grafana']));
      for (const name of ['prometheus', 'grafana'])
        expect(doc.services[name]!.profiles).toEqual(['monitoring']);
      const mounts = (name: string) =>
        (doc.services[name]!.volumes ?? []).map((v) =>
          typeof v === 'string' ? v : `${v.source}:${v.target}`,
        );
      expect(mounts('prometheus').join(' ')).toContain('deploy/prometheus:/etc/prometheus');
      expect(mounts('grafana').join(' ')).toContain('deploy/grafana/provisioning:/etc/grafana/provisioning');
      expect(mounts('grafana').join(' ')).toContain('deploy/grafana/dashboards:/var/lib/grafana/dashboards');
    },
  );

  it('the admin token comes from .env, whose example holds a placeholder the server refuses', () => {
    const composeFile = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
    expect(composeFile).toContain('ADMIN_TOKEN: ${ADMIN_TOKEN:-}');
    expect(readFileSync(`${ROOT}.env.example`, 'utf8')).toMatch(/^ADMIN_TOKEN=replace-me/m);
  });

  it('nginx finds the replicas by name, again and again, and retries on another one', () => {
    const nginx = readFileSync(`${ROOT}deploy/nginx.conf`, 'utf8');
    // Docker's resolver, asked again every few seconds: scaling is followed without a reload.
    expect(nginx).toMatch(/^\s*resolver 127\.0\.0\.11 valid=\d+s/m);
    // A variable upstream is resolved at run time (a fixed `server adsm:3000` only at start-up).
    const upstream = /set (\$\w+) adsm:3000;/.exec(nginx);
    expect(upstream).not.toBeNull();
    expect(nginx).toContain(`proxy_pass http://${upstream![1]!};`);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(nginx).toMatch(/proxy_next_upstream error timeout[^;]*http_503/);
    expect(nginx).not.toMatch(/non_idempotent/);
  });

  // Reason for skipIf: Debian's nginx checks the syntax; .ci/run installs it.
  it.skipIf(!has('nginx'))('nginx accepts the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adsm-nginx-'));
    try {
      const conf = readFileSync(`${ROOT}deploy/nginx.conf`, 'utf8').replace(
        'resolver 127.0.0.11',
        'resolver 127.0.0.1',
      );
      writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\n${conf}`);
      execFileSync(
        'nginx',
        ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
        {
          stdio: 'pipe',
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the image runs the compiled server', () => {
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
