import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/gateway-process';

/**
 * No Docker engine runs here; Debian's docker-compose validates docker-compose.yml. The test
 * setup installs it when missing (as root with apt), as `.ci/run` does.
 */
function ensureDockerCompose(): void {
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'docker-compose'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  throw new Error("docker-compose is not installed: install Debian's docker-compose package (bash .ci/run does)");
}

describe('docker-compose.yml', () => {
  beforeAll(() => ensureDockerCompose(), 300_000);

  it('is a valid compose file that runs the single-node gateway with a data volume', () => {
    const result = spawnSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/services:\s+warden:/);
    expect(result.stdout).toContain('/data');
    expect(result.stdout).toMatch(/volumes:\s+warden-data/);
    expect(result.stdout).toContain('127.0.0.1');
  });

  it('is rejected when broken, so the check can fail', () => {
    const broken = spawnSync('docker-compose', ['-f', '-', 'config'], { input: 'services:\n  warden:\n    ports: 7420\n', encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
  });
});
