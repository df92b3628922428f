import { execFileSync } from 'node:child_process';

/** Process-level tests run the compiled server: build it once per test run. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
