import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GRAPH_TOKEN_ENV,
  renderPowerShell,
  renderPowerShellPreview,
  renderPowerShellRemoval,
  RESULT_MARKER,
  TEAMS_TOKEN_ENV,
} from './powershell-script.ts';
import {
  planApply,
  planRemoval,
  routeState,
  stringList,
  TeamsError,
  toChange,
  type TeamsErrorKind,
  type TeamsExecutor,
  type TeamsState,
} from './teams-executor.ts';

export type PowerShellOptions = {
  /** Path to `pwsh` (PowerShell 7.2 or later with the MicrosoftTeams module installed). */
  pwsh: string;
  /**
   * A Microsoft Graph token for the tenant, of the same kind (app-only or delegated) as the Teams admin token the
   * port hands over: `Connect-MicrosoftTeams -AccessTokens` requires both (§4.4). Without it every call fails
   * with `rejected` saying so (there is no honest default).
   */
  graphTokenFor?: (tenantId: string) => Promise<string>;
  /**
   * The environment pwsh starts with (e.g. PATH, HOME, PSModulePath), plus the two tokens. Default: nothing else;
   * the server's own environment (database URL, master key) is never passed on.
   */
  env?: Record<string, string>;
  /** Default 5 minutes; the process is killed after it (`unavailable`). */
  timeoutMs?: number;
};

const MAX_OUTPUT = 4 * 1024 * 1024;

type ScriptError = { message: string; type?: string; category?: string };

const FORBIDDEN_HINT =
  "the automation's service principal needs the Teams Administrator directory role in this tenant (a new token is needed after assigning it; with a delegated sign-in, the admin needs it)";

/** Microsoft's error inside PowerShell, by its message (the cmdlets do not expose the HTTP status reliably). */
function classify(error: ScriptError): TeamsError {
  const m = error.message;
  const kind: TeamsErrorKind = /cannot find specified gateway/i.test(m)
    ? 'gateway-not-ready'
    : /\b40[13]\b|forbidden|unauthori[sz]ed|access denied|insufficient privileges/i.test(m)
      ? 'forbidden'
      : /\b429\b|throttl|too many requests/i.test(m)
        ? 'throttled'
        : /\b50[0234]\b|service unavailable|temporarily unavailable|timed out|timeout/i.test(m)
          ? 'unavailable'
          : 'rejected';
  const message = {
    'gateway-not-ready': `Teams does not accept the derived trunk as a gateway yet (its domain must be verified and activated by a Teams-licensed user; Microsoft can take up to 24 hours after that): ${m}`,
    forbidden: `Microsoft refused the MicrosoftTeams cmdlets: ${FORBIDDEN_HINT}. Microsoft said: ${m}`,
    throttled: `Microsoft is throttling the Teams admin API: ${m}`,
    unavailable: `The Teams admin API is unavailable: ${m}`,
    rejected: `Teams refused the change (PowerShell): ${m}`,
  }[kind];
  return new TeamsError(kind, message, { microsoftMessage: m });
}

/** The `before` state from the result line; PowerShell's JSON may give a single value where a list is meant. */
function parseState(v: unknown): TeamsState {
  const o = (v ?? {}) as Record<string, unknown>;
  const route = o.route as Record<string, unknown> | null | undefined;
  const policy = o.policy as Record<string, unknown> | null | undefined;
  const usedBy = Array.isArray(o.usageUsedBy) ? o.usageUsedBy : o.usageUsedBy ? [o.usageUsedBy] : [];
  const globalPolicy =
    'globalPolicy' in o
      ? { globalPolicy: typeof o.globalPolicy === 'string' && o.globalPolicy ? o.globalPolicy : null }
      : {};
  return {
    ...globalPolicy,
    usages: stringList(o.usages),
    // The script writes the route with TeamsState's own field names.
    route: route ? routeState(route) : null,
    policy: policy ? { identity: String(policy.identity), usages: stringList(policy.usages) } : null,
    usageUsedBy: (usedBy as Record<string, unknown>[]).map((u) => ({
      object: u.object === 'voice-routing-policy' ? 'voice-routing-policy' : 'voice-route',
      identity: String(u.identity),
    })),
  };
}

/**
 * The Teams executor that runs the scripts of `powershell-script.ts` with `pwsh -NonInteractive -NoProfile -File <temp file>`
 * (child_process, no shell), the two tokens in its environment only. The reported changes come from the state
 * the script found before it changed anything (`planApply` / `planRemoval`). No result line (pwsh missing, the
 * module failing to load, a crash, the timeout) is `unavailable`; an error the script caught is classified by
 * Microsoft's message.
 */
export function createPowerShellExecutor(options: PowerShellOptions): TeamsExecutor {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;

  async function run(script: string, teamsToken: string, tenantId: string): Promise<TeamsState> {
    if (!options.graphTokenFor)
      throw new TeamsError(
        'rejected',
        'The PowerShell executor has no Microsoft Graph token to connect with: Connect-MicrosoftTeams -AccessTokens needs a Graph token and a Teams admin token (graphTokenFor is not wired).',
      );
    const graphToken = await options.graphTokenFor(tenantId);
    const dir = await mkdtemp(join(tmpdir(), 'trunkline-pwsh-'));
    try {
      const file = join(dir, 'teams.ps1');
      await writeFile(file, script, { mode: 0o600 });
      const { code, stdout, stderr, failure } = await new Promise<{
        code: number | null;
        stdout: string;
        stderr: string;
        failure?: string;
      }>((resolve) => {
        const child = spawn(options.pwsh, ['-NonInteractive', '-NoProfile', '-File', file], {
          env: { ...options.env, [GRAPH_TOKEN_ENV]: graphToken, [TEAMS_TOKEN_ENV]: teamsToken },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let failure: string | undefined;
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_OUTPUT) into.push(chunk);
        };
        child.stdout.on('data', collect(out));
        child.stderr.on('data', collect(err));
        const timer = setTimeout(() => {
          failure = `pwsh did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.on('error', (e) => {
          failure ??= `pwsh could not be started (${options.pwsh}): ${e.message}`;
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({
            code,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            ...(failure ? { failure } : {}),
          });
        });
      });
      if (failure) throw new TeamsError('unavailable', failure);
      const line = stdout
        .split(/\r?\n/)
        .reverse()
        .find((l) => l.startsWith(RESULT_MARKER));
      if (!line)
        throw new TeamsError(
          'unavailable',
          `pwsh ended (exit code ${code}) without a result line: ${stderr.trim().slice(-500) || 'no output'}`,
        );
      let result: { ok?: unknown; before?: unknown; error?: ScriptError };
      try {
        result = JSON.parse(line.slice(RESULT_MARKER.length)) as typeof result;
      } catch (e) {
        throw new TeamsError('unavailable', 'pwsh printed a result line that is not JSON.', { cause: e });
      }
      if (result.ok === true) return parseState(result.before);
      throw classify({ message: String(result.error?.message ?? `pwsh failed (exit code ${code}).`) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    kind: 'powershell',
    async preview(token, plan) {
      return planApply(plan, await run(renderPowerShellPreview(plan), token, plan.tenantId)).map(toChange);
    },
    async apply(token, plan) {
      return planApply(plan, await run(renderPowerShell(plan), token, plan.tenantId)).map(toChange);
    },
    async remove(token, plan) {
      return planRemoval(plan, await run(renderPowerShellRemoval(plan), token, plan.tenantId)).map(toChange);
    },
  };
}
