import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Debian's nginx with the compose file's own configuration (`deploy/nginx.conf`): only the three
 * lines marked `# drill:` change (listen address, resolver, upstream port), and the process-level
 * paths (pid, logs, temp folders) point into the drill's temp folder.
 */
export interface Nginx {
  readonly url: string;
  readonly dir: string;
  /** The access log so far (one line per request: status, upstream addresses and statuses). */
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  readonly configFile: string;
  readonly dir: string;
  readonly port: number;
  readonly resolverPort: number;
  readonly upstreamPort: number;
}

/** `deploy/nginx.conf` made to run here; throws if a marked line is not found exactly once. */
export function drillConfig(o: NginxOptions): string {
  let conf = readFileSync(o.configFile, 'utf8');
  const swap = (marker: string, replace: (line: string) => string) => {
    const lines = conf.split('\n').filter((l) => l.includes(`# drill: ${marker}`));
    if (lines.length !== 1) throw new Error(`${o.configFile}: expected one line marked "# drill: ${marker}"`);
    conf = conf.replace(lines[0]!, replace(lines[0]!));
  };
  swap('listen', (l) => l.replace(/listen \S+;/, `listen 127.0.0.1:${o.port};`));
  swap('resolver', (l) => l.replace(/resolver \S+/, `resolver 127.0.0.1:${o.resolverPort}`));
  swap('upstream', (l) => l.replace(/(set \$\w+ [\w.-]+):\d+;/, `$1:${o.upstreamPort};`));
  const paths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((p) => `  ${p}_temp_path ${join(o.dir, `${p}_temp`)};`)
    .join('\n');
  conf = conf.replace(/^(\s*)server \{$/m, (line) => `  access_log ${join(o.dir, 'access.log')} upstream;\n${paths}\n${line}`);
  return `pid ${join(o.dir, 'nginx.pid')};\nerror_log ${join(o.dir, 'error.log')} warn;\n${conf}`;
}

export async function startNginx(o: NginxOptions): Promise<Nginx> {
  const file = join(o.dir, 'nginx.conf');
  writeFileSync(file, drillConfig(o));
  const args = ['-p', o.dir, '-c', file, '-e', join(o.dir, 'error.log'), '-g', 'daemon off;'];
  const child: ChildProcess = spawn('nginx', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const read = (name: string) => {
    try {
      return readFileSync(join(o.dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${read('error.log')}`);
    const up = await fetch(`${url}/healthz`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${read('error.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir: o.dir,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(hard);
    },
  };
}
