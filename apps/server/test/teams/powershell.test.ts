import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  psQuote,
  renderPowerShell,
  renderPowerShellPreview,
  renderPowerShellRemoval,
  RESULT_MARKER,
} from '../../src/teams/powershell-script.ts';
import { createPowerShellExecutor } from '../../src/teams/pwsh-runner.ts';
import {
  TeamsError,
  type TeamsChange,
  type TeamsState,
  type VoiceRoutingPlan,
} from '../../src/teams/teams-executor.ts';

/**
 * The PowerShell executor. pwsh is not installed here (and cannot be), so these tests check the scripts as text
 * (quoting read back with PowerShell's verbatim-string rule, structure, idempotence guards, no tokens) and the
 * process protocol against a fake `pwsh` that records what it was given and prints a result line.
 */

const TRUNK = 'acme.sbc.trunkline-provider.example';
const plan = (over: Partial<VoiceRoutingPlan> = {}): VoiceRoutingPlan => ({
  tenantId: '4b218318-131d-4d7c-ad86-12594fda0d94',
  pstnUsage: 'Trunkline',
  voiceRoute: {
    identity: 'Trunkline-acme',
    numberPattern: '.*',
    priority: 1,
    gateways: [TRUNK],
    description: `Trunkline: acme through ${TRUNK}`,
  },
  policy: { identity: 'Trunkline' },
  ...over,
});

// ------------------------------------------------------------------------------------------------ a reader

/** PowerShell's single-quote characters (about_Quoting_Rules; the tokenizer accepts the typographic ones too). */
const QUOTE = /['\u2018\u2019\u201A\u201B]/;

/** Reads a verbatim string starting at `start` as PowerShell does: two quote characters in a row are one quote. */
function readVerbatim(text: string, start: number): { value: string; end: number } {
  if (!QUOTE.test(text[start] ?? ''))
    throw new Error(`no quote at ${start}: ${text.slice(start, start + 20)}`);
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (QUOTE.test(c)) {
      if (QUOTE.test(text[i + 1] ?? '')) {
        value += c;
        i++;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
  }
  throw new Error('unterminated string');
}

/** The value a `$Name = '…'` assignment of the script sets, and what follows the literal. */
function assigned(script: string, name: string): { value: string; rest: string } {
  const at = script.indexOf(`\n$${name} = `);
  expect(at, `$${name} is assigned`).toBeGreaterThan(-1);
  const { value, end } = readVerbatim(script, at + name.length + 5);
  return { value, rest: script.slice(end, end + 1) };
}

/**
 * Brackets outside strings and comments must balance: a cheap structural check of the script (quotes in names
 * must not open or close anything).
 */
function checkStructure(script: string) {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === '#') {
      i = script.indexOf('\n', i);
      if (i < 0) break;
    } else if (QUOTE.test(c)) {
      i = readVerbatim(script, i).end - 1;
    } else if (c === '"') {
      for (i++; i < script.length && script[i] !== '"'; i++) if (script[i] === '`') i++;
    } else if ('({['.includes(c)) stack.push(c);
    else if (')}]'.includes(c)) expect(stack.pop(), `bracket at ${i}`).toBe(pairs[c]);
  }
  expect(stack).toEqual([]);
}

/** The code lines (not comments) of a script. */
const codeLines = (script: string) =>
  script.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));

describe('PowerShell scripts', () => {
  it('quotes strings the way PowerShell reads them back', () => {
    expect(psQuote("O'Brien")).toBe("'O''Brien'");
    expect(psQuote('$HOME `n')).toBe("'$HOME `n'");
    expect(psQuote('it’s')).toBe("'it’’s'");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({
            unit: fc.constantFrom("'", '‘', '’', '‚', '‛', '$', '`', '"', '#', '\n', '(', '}', 'a'),
          }),
          fc.string({ unit: 'binary' }),
        ),
        (s) => {
          const quoted = psQuote(s);
          expect(readVerbatim(quoted, 0)).toEqual({ value: s, end: quoted.length });
        },
      ),
    );
  });

  it('embeds every plan value as a literal, whatever the names contain', () => {
    const name = fc.string({
      unit: fc.constantFrom("'", '’', '$', '`', '"', '#', '\n', '{', ')', ';', 'a', 'Z', ' ', '-'),
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(
        name,
        name,
        name,
        name,
        name,
        name,
        (usage, route, pattern, gateway, description, policy) => {
          const p = plan({
            pstnUsage: usage,
            voiceRoute: {
              identity: route,
              numberPattern: pattern,
              priority: 7,
              gateways: [gateway, TRUNK],
              description,
            },
            policy: { identity: policy },
          });
          const changes: TeamsChange[] = [
            {
              object: 'voice-route',
              identity: route,
              action: 'create',
              detail: `Create voice route '${route}'`,
            },
          ];
          for (const script of [
            renderPowerShell(p, changes),
            renderPowerShellRemoval(p),
            renderPowerShellPreview(p),
          ]) {
            for (const [variable, value] of [
              ['PstnUsage', usage],
              ['RouteIdentity', route],
              ['NumberPattern', pattern],
              ['RouteDescription', description],
              ['PolicyIdentity', policy],
              ['TenantId', p.tenantId],
            ] as const)
              expect(assigned(script, variable)).toEqual({ value, rest: '\n' });
            const gateways = script.slice(script.indexOf('\n$Gateways = @(') + 15);
            const first = readVerbatim(gateways, 0);
            expect(first.value).toBe(gateway);
            expect(gateways.slice(first.end, first.end + 2)).toBe(', ');
            expect(readVerbatim(gateways, first.end + 2)).toEqual({ value: TRUNK, end: expect.any(Number) });
            expect(script).toContain('\n$Priority = 7\n');
            checkStructure(script);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps line breaks in previewed changes inside their comment', () => {
    const script = renderPowerShell(plan(), [
      {
        object: 'voice-route',
        identity: 'x',
        action: 'create',
        detail: 'evil\nRemove-Item -Recurse C:\\\r\nInvoke-Expression $x\u2028Stop-Computer',
      },
    ]);
    expect(script).toContain(
      '#   create: evil Remove-Item -Recurse C:\\ Invoke-Expression $x Stop-Computer\n',
    );
    expect(codeLines(script).join('\n')).not.toMatch(/Remove-Item|Invoke-Expression|Stop-Computer/);
  });

  it('connects with tokens from parameters or the environment, never embedded', () => {
    for (const script of [
      renderPowerShell(plan()),
      renderPowerShellRemoval(plan()),
      renderPowerShellPreview(plan()),
    ]) {
      expect(script).toMatch(
        /^param\(\n {2}\[string\]\$GraphToken = \$env:TRUNKLINE_GRAPH_TOKEN,\n {2}\[string\]\$TeamsToken = \$env:TRUNKLINE_TEAMS_TOKEN\n\)$/m,
      );
      // Only comments may come before param().
      expect(codeLines(script)[0]).toBe('param(');
      expect(script).toContain(
        'Connect-MicrosoftTeams -TenantId $TenantId -AccessTokens @($GraphToken, $TeamsToken) | Out-Null',
      );
      expect(script).not.toMatch(/eyJ|Bearer|ConvertTo-SecureString/);
      expect(script).toContain("$ErrorActionPreference = 'Stop'");
      expect(script).toContain(
        `Write-Output ('${RESULT_MARKER}' + (ConvertTo-Json -InputObject $Result -Compress -Depth 6))`,
      );
      checkStructure(script);
    }
  });

  it('applies usage → route → policy, each behind a read of what is there', () => {
    const script = renderPowerShell(plan());
    const steps = [
      'if (-not (@(Get-TrunklineNames (Get-CsOnlinePstnUsage -Identity Global).Usage) -contains $PstnUsage)) {\n' +
        '    Set-CsOnlinePstnUsage -Identity Global -Usage @{Add = $PstnUsage} | Out-Null',
      '$route = Get-CsOnlineVoiceRoute -Identity $RouteIdentity -ErrorAction SilentlyContinue\n  if (-not $route) {\n' +
        '    New-CsOnlineVoiceRoute -Identity $RouteIdentity -NumberPattern $NumberPattern -Priority $Priority -OnlinePstnGatewayList $Gateways -OnlinePstnUsages @($PstnUsage) -Description $RouteDescription | Out-Null',
      '$missing = @($Gateways | Where-Object { $current -notcontains $_ })\n    if ($missing.Count -gt 0) {\n' +
        '      Set-CsOnlineVoiceRoute -Identity $RouteIdentity -OnlinePstnGatewayList @{Add = $missing} | Out-Null',
      'if (@(Get-TrunklineNames $route.OnlinePstnUsages) -notcontains $PstnUsage) {\n' +
        '      Set-CsOnlineVoiceRoute -Identity $RouteIdentity -OnlinePstnUsages @{Add = $PstnUsage} | Out-Null',
      '$policy = Get-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity -ErrorAction SilentlyContinue\n  if (-not $policy) {\n' +
        '    New-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity -OnlinePstnUsages @($PstnUsage) | Out-Null',
      '} elseif (@(Get-TrunklineNames $policy.OnlinePstnUsages) -notcontains $PstnUsage) {\n' +
        '    Set-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity -OnlinePstnUsages @{Add = $PstnUsage} | Out-Null',
    ];
    const at = steps.map((s) => script.indexOf(s));
    expect(
      at.every((i) => i > 0),
      steps.filter((_, i) => at[i]! < 0).join('\n\n'),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // The state is read before the first change.
    expect(script.indexOf('$before = Get-TrunklineState')).toBeLessThan(at[0]!);
    // No list is ever replaced: every Set- of a list adds.
    for (const line of codeLines(script).filter((l) => /Set-Cs\w+ .*-(Usage|OnlinePstn\w+) /.test(l)))
      expect(line).toMatch(/@\{Add = /);
    expect(script).not.toMatch(/Remove-Cs/);
  });

  it('leaves -Description out when the plan has none', () => {
    const { description: _d, ...route } = plan().voiceRoute;
    const script = renderPowerShell(plan({ voiceRoute: route }));
    expect(script).toContain('\n$RouteDescription = $null\n');
    expect(script).toMatch(/-OnlinePstnUsages @\(\$PstnUsage\) \| Out-Null/);
    expect(() => renderPowerShell(plan({ voiceRoute: { ...route, priority: 1.5 } }))).toThrow(/integer/);
  });

  it('lists previewed changes in the header', () => {
    const script = renderPowerShell(plan(), [
      {
        object: 'pstn-usage',
        identity: 'Trunkline',
        action: 'none',
        detail: "PSTN usage 'Trunkline' is in place",
      },
      {
        object: 'voice-route',
        identity: 'Trunkline-acme',
        action: 'create',
        detail: "Create voice route 'x'",
      },
    ]);
    expect(script).toContain(
      "#   Changes Trunkline expects (from its preview):\n#   none: PSTN usage 'Trunkline' is in place\n#   create: Create voice route 'x'\n",
    );
  });

  it('removes route (or only our gateways) → policy → usage, each only while it still looks like Trunkline’s', () => {
    const script = renderPowerShellRemoval(plan());
    const steps = [
      '$foreign = @($listed | Where-Object { $Gateways -notcontains $_ })',
      'if ($foreign.Count -eq 0 -and $usages.Count -eq 1 -and $usages[0] -eq $PstnUsage) {\n      Remove-CsOnlineVoiceRoute -Identity $RouteIdentity | Out-Null',
      'Set-CsOnlineVoiceRoute -Identity $RouteIdentity -OnlinePstnGatewayList @{Remove = $ours} | Out-Null',
      'if ($policy -and $routed -eq 0) {',
      'Remove-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity | Out-Null',
      'if ($users -eq 0 -and @(Get-TrunklineNames (Get-CsOnlinePstnUsage -Identity Global).Usage) -contains $PstnUsage) {\n' +
        '    Set-CsOnlinePstnUsage -Identity Global -Usage @{Remove = $PstnUsage} | Out-Null',
    ];
    const at = steps.map((s) => script.indexOf(s));
    expect(
      at.every((i) => i > 0),
      steps.filter((_, i) => at[i]! < 0).join('\n\n'),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(script).toContain(
      'Get-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity -ErrorAction SilentlyContinue',
    );
    expect(script).toContain('Get-CsOnlineVoiceRoute -Identity $RouteIdentity -ErrorAction SilentlyContinue');
    expect(script).not.toMatch(/New-Cs|@\{Add/);
  });

  const granting = (over: Partial<VoiceRoutingPlan> = {}) =>
    plan({ policy: { identity: 'Trunkline', grantGlobal: true }, ...over });

  it('grants the policy tenant-wide last, behind a read of the global default, only when asked', () => {
    const script = renderPowerShell(granting());
    const policyStep = script.indexOf('New-CsOnlineVoiceRoutingPolicy -Identity $PolicyIdentity');
    const grant =
      'if ((Get-TrunklineGlobalPolicy) -ne $PolicyIdentity) {\n' +
      '    Grant-CsOnlineVoiceRoutingPolicy -Global -PolicyName $PolicyIdentity | Out-Null\n  }';
    expect(script).toContain(grant);
    expect(script.indexOf(grant)).toBeGreaterThan(policyStep);
    expect(script.indexOf(grant)).toBeGreaterThan(script.indexOf('$before = Get-TrunklineState'));
    // The state the executor reports from carries the global default.
    expect(script).toContain('    usageUsedBy = $usedBy\n    globalPolicy = Get-TrunklineGlobalPolicy\n  }');
    expect(script).toContain("$property = (Get-CsTenant).PSObject.Properties['OnlineVoiceRoutingPolicy']");
    // Without the property the script stops instead of guessing.
    expect(script).toMatch(/if \(-not \$property\) \{\n {4}throw '[^\n]*cannot tell whether it is its own/);
    expect(script).not.toMatch(/Remove-Cs|-PolicyName \$null/);
    checkStructure(script);

    // Without the option nothing of it is in any script.
    for (const plain of [
      renderPowerShell(plan()),
      renderPowerShellRemoval(plan()),
      renderPowerShellPreview(plan()),
    ])
      expect(plain).not.toMatch(/Grant-Cs|Get-TrunklineGlobalPolicy|Get-CsTenant|globalPolicy/);
  });

  it('reverts the grant first on removal, only while the global default is still the policy', () => {
    const script = renderPowerShellRemoval(granting());
    const revert =
      'if ((Get-TrunklineGlobalPolicy) -eq $PolicyIdentity) {\n' +
      '    Grant-CsOnlineVoiceRoutingPolicy -Global -PolicyName $null | Out-Null\n  }';
    expect(script).toContain(revert);
    expect(script.indexOf(revert)).toBeGreaterThan(script.indexOf('$before = Get-TrunklineState'));
    expect(script.indexOf(revert)).toBeLessThan(script.indexOf('Remove-CsOnlineVoiceRoutingPolicy'));
    expect(codeLines(script).filter((l) => l.includes('Grant-Cs'))).toHaveLength(1);
    checkStructure(script);

    const preview = renderPowerShellPreview(granting());
    expect(preview).toContain('globalPolicy = Get-TrunklineGlobalPolicy');
    expect(codeLines(preview).join('\n')).not.toMatch(/\b(New|Set|Remove|Grant)-Cs/);
  });

  it('keeps the grant steps well-formed whatever the policy is called', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("'", '’', '$', '`', '"', '#', '\n', '{', ')', 'a'), minLength: 1 }),
        (name) => {
          const p = granting({ policy: { identity: name, grantGlobal: true } });
          for (const script of [
            renderPowerShell(p),
            renderPowerShellRemoval(p),
            renderPowerShellPreview(p),
          ]) {
            expect(assigned(script, 'PolicyIdentity')).toEqual({ value: name, rest: '\n' });
            checkStructure(script);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('previews with a script that changes nothing', () => {
    const script = renderPowerShellPreview(plan());
    expect(codeLines(script).join('\n')).not.toMatch(/\b(New|Set|Remove|Grant)-Cs/);
    expect(script).toContain('$before = Get-TrunklineState');
  });
});

// ------------------------------------------------------------------------------------------------ the runner

const FAKE_PWSH = `
import { readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const file = args[args.indexOf('-File') + 1];
writeFileSync(process.env.FAKE_RECORD, JSON.stringify({
  args,
  env: process.env,
  script: readFileSync(file, 'utf8'),
  file,
}));
const answer = JSON.parse(readFileSync(process.env.FAKE_ANSWER, 'utf8'));
if (answer.sleepMs) await new Promise((r) => setTimeout(r, answer.sleepMs));
process.stdout.write(answer.stdout ?? '');
process.stderr.write(answer.stderr ?? '');
process.exitCode = answer.exitCode ?? 0;
`;

describe('PowerShell executor (against a fake pwsh)', () => {
  let dir: string;
  let pwsh: string;
  let env: Record<string, string>;
  const graphCalls: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trunkline-fake-pwsh-'));
    await writeFile(join(dir, 'fake-pwsh.mjs'), FAKE_PWSH);
    pwsh = join(dir, 'pwsh');
    await writeFile(pwsh, `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'fake-pwsh.mjs')}" "$@"\n`);
    await chmod(pwsh, 0o755);
    env = { FAKE_RECORD: join(dir, 'record.json'), FAKE_ANSWER: join(dir, 'answer.json') };
    // Something the server holds that must not reach pwsh.
    process.env.TRUNKLINE_TEST_CANARY = 'server-secret';
  });
  afterAll(async () => {
    delete process.env.TRUNKLINE_TEST_CANARY;
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    graphCalls.length = 0;
    await rm(env.FAKE_RECORD!, { force: true });
  });

  const executor = (over: Partial<Parameters<typeof createPowerShellExecutor>[0]> = {}) =>
    createPowerShellExecutor({
      pwsh,
      env,
      graphTokenFor: async (tenantId) => {
        graphCalls.push(tenantId);
        return 'graph-token-value';
      },
      ...over,
    });

  const answer = (a: { stdout?: string; stderr?: string; exitCode?: number; sleepMs?: number }) =>
    writeFile(env.FAKE_ANSWER!, JSON.stringify(a));
  const result = (r: unknown) => `WARNING: module noise\n${RESULT_MARKER}${JSON.stringify(r)}\n`;
  const recorded = async () =>
    JSON.parse(await readFile(env.FAKE_RECORD!, 'utf8')) as {
      args: string[];
      env: Record<string, string>;
      script: string;
      file: string;
    };

  const empty: TeamsState = { usages: [], route: null, policy: null, usageUsedBy: [] };

  it('runs the apply script with -NonInteractive -NoProfile -File and the tokens in its environment only', async () => {
    await answer({ stdout: result({ ok: true, before: empty }) });
    const changes = await executor().apply('teams-token-value', plan());
    expect(changes.map((c) => c.action)).toEqual(['create', 'create', 'create']);
    expect(changes[0]!.detail).toBe("Add PSTN usage 'Trunkline' to the Global list");

    const r = await recorded();
    expect(r.args).toEqual(['-NonInteractive', '-NoProfile', '-File', r.file]);
    expect(r.file).toMatch(/teams\.ps1$/);
    expect(r.script).toBe(renderPowerShell(plan()));
    expect(r.script).not.toMatch(/teams-token-value|graph-token-value/);
    expect(r.env.TRUNKLINE_TEAMS_TOKEN).toBe('teams-token-value');
    expect(r.env.TRUNKLINE_GRAPH_TOKEN).toBe('graph-token-value');
    expect(r.env.TRUNKLINE_TEST_CANARY).toBeUndefined();
    expect(graphCalls).toEqual([plan().tenantId]);
    // The script file is gone afterwards.
    expect(existsSync(r.file)).toBe(false);
  });

  it('reports from the state the script found, PowerShell JSON quirks included', async () => {
    // ConvertTo-Json may give a single value where a list is meant.
    await answer({
      stdout: result({
        ok: true,
        before: {
          usages: 'trunkline',
          route: {
            identity: 'Trunkline-acme',
            numberPattern: '.*',
            priority: 1,
            gateways: 'sbc.contoso.com',
            usages: 'Trunkline',
            description: `Trunkline: acme through ${TRUNK}`,
          },
          policy: { identity: 'Tag:Trunkline', usages: ['Trunkline'] },
          usageUsedBy: { object: 'voice-route', identity: 'Trunkline-acme' },
        },
      }),
    });
    const applied = await executor().apply('t', plan());
    // Each change also carries what it makes Trunkline's (its record); here only the reported change matters.
    expect(applied.map(({ record: _record, ...c }) => c)).toEqual([
      {
        object: 'pstn-usage',
        identity: 'Trunkline',
        action: 'none',
        detail: "PSTN usage 'Trunkline' is already in the Global list",
      },
      {
        object: 'voice-route',
        identity: 'Trunkline-acme',
        action: 'update',
        detail: `Voice route 'Trunkline-acme': gateways sbc.contoso.com → + ${TRUNK}`,
      },
      {
        object: 'voice-routing-policy',
        identity: 'Trunkline',
        action: 'none',
        detail: "Voice routing policy 'Trunkline' already lists PSTN usage 'Trunkline'",
      },
    ]);
  });

  it('previews with the read-only script and removes with the removal script', async () => {
    await answer({ stdout: result({ ok: true, before: empty }) });
    expect((await executor().preview('t', plan())).map((c) => c.action)).toEqual([
      'create',
      'create',
      'create',
    ]);
    expect((await recorded()).script).toBe(renderPowerShellPreview(plan()));

    await answer({
      stdout: result({
        ok: true,
        before: {
          usages: ['Trunkline'],
          route: {
            identity: 'Trunkline-acme',
            numberPattern: '.*',
            priority: 1,
            gateways: [TRUNK, 'sbc.contoso.com'],
            usages: ['Trunkline'],
            description: '',
          },
          policy: { identity: 'Tag:Trunkline', usages: ['Trunkline'] },
          usageUsedBy: [
            { object: 'voice-route', identity: 'Trunkline-acme' },
            { object: 'voice-routing-policy', identity: 'Tag:Trunkline' },
          ],
        },
      }),
    });
    expect((await executor().remove('t', plan())).map((c) => `${c.object}:${c.action}`)).toEqual([
      'voice-route:update',
      'voice-routing-policy:none',
      'pstn-usage:none',
    ]);
    expect((await recorded()).script).toBe(renderPowerShellRemoval(plan()));
  });

  it('reports the tenant-wide grant from the global default the script found', async () => {
    const granting = plan({ policy: { identity: 'Trunkline', grantGlobal: true } });
    const ours = {
      usages: ['Trunkline'],
      route: {
        identity: 'Trunkline-acme',
        numberPattern: '.*',
        priority: 1,
        gateways: [TRUNK],
        usages: ['Trunkline'],
        description: `Trunkline: acme through ${TRUNK}`,
      },
      policy: { identity: 'Tag:Trunkline', usages: ['Trunkline'] },
      usageUsedBy: [
        { object: 'voice-route', identity: 'Trunkline-acme' },
        { object: 'voice-routing-policy', identity: 'Tag:Trunkline' },
      ],
    };

    // First run: nothing there, the global default is the Global instance (PowerShell's $null).
    await answer({ stdout: result({ ok: true, before: { ...empty, globalPolicy: null } }) });
    const first = await executor().apply('t', granting);
    expect(first.map((c) => `${c.object}:${c.action}`)).toEqual([
      'pstn-usage:create',
      'voice-route:create',
      'voice-routing-policy:create',
      'global-policy:update',
    ]);
    expect(first[3]!.detail).toBe(
      "Grant voice routing policy 'Trunkline' as the tenant's global default (instead of the Global policy instance)",
    );
    expect((await recorded()).script).toBe(renderPowerShell(granting));

    // Second run: everything in place, the policy is the global default.
    await answer({ stdout: result({ ok: true, before: { ...ours, globalPolicy: 'Trunkline' } }) });
    expect((await executor().apply('t', granting)).map((c) => c.action)).toEqual([
      'none',
      'none',
      'none',
      'none',
    ]);

    // Offboarding while it is still ours: reverted first, then the rest.
    await answer({ stdout: result({ ok: true, before: { ...ours, globalPolicy: 'Trunkline' } }) });
    const removed = await executor().remove('t', granting);
    expect(removed.map((c) => `${c.object}:${c.action}`)).toEqual([
      'voice-route:delete',
      'global-policy:delete',
      'voice-routing-policy:delete',
      'pstn-usage:delete',
    ]);
    expect((await recorded()).script).toBe(renderPowerShellRemoval(granting));

    // Someone else's policy is the global default by now: left alone.
    await answer({ stdout: result({ ok: true, before: { ...ours, globalPolicy: 'Contoso-own' } }) });
    expect((await executor().remove('t', granting)).find((c) => c.object === 'global-policy')).toEqual({
      object: 'global-policy',
      identity: 'Trunkline',
      action: 'none',
      detail: "The tenant's global default left alone: it is 'Contoso-own', not 'Trunkline'",
    });
  });

  it.each([
    ['Cannot find specified Gateway acme.sbc.trunkline-provider.example', 'gateway-not-ready'],
    ['Response status code does not indicate success: 403 (Forbidden).', 'forbidden'],
    ['Too many requests, throttled', 'throttled'],
    ['Response status code does not indicate success: 503 (Service Unavailable).', 'unavailable'],
    ["PSTN usage 'x' does not exist.", 'rejected'],
  ])('classifies the error the script caught: %s → %s', async (message, kind) => {
    await answer({
      stdout: result({ ok: false, error: { message, type: 'System.Exception', category: 'NotSpecified' } }),
      exitCode: 1,
    });
    const e = await executor()
      .apply('t', plan())
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(TeamsError);
    expect(e).toMatchObject({ kind, microsoftMessage: message });
    expect((e as TeamsError).message).toContain(message);
  });

  it('is unavailable when pwsh prints no result line, cannot start or hangs', async () => {
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected a failure');
        },
        (e: unknown) => {
          expect(e).toBeInstanceOf(TeamsError);
          return e as TeamsError;
        },
      );

    await answer({
      stderr: 'Import-Module: The specified module MicrosoftTeams was not loaded.',
      exitCode: 1,
    });
    const noModule = await failure(executor().apply('t', plan()));
    expect(noModule.kind).toBe('unavailable');
    expect(noModule.message).toMatch(/exit code 1.*MicrosoftTeams was not loaded/);

    await answer({ stdout: `${RESULT_MARKER}{not json` });
    expect((await failure(executor().apply('t', plan()))).kind).toBe('unavailable');

    const missing = await failure(executor({ pwsh: join(dir, 'no-such-pwsh') }).apply('t', plan()));
    expect(missing.kind).toBe('unavailable');
    expect(missing.message).toMatch(/could not be started/);

    await answer({ sleepMs: 10_000, stdout: result({ ok: true, before: empty }) });
    const started = Date.now();
    const hung = await failure(executor({ timeoutMs: 300 }).apply('t', plan()));
    expect(hung.kind).toBe('unavailable');
    expect(hung.message).toMatch(/did not finish/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to run without a way to get the Graph token', async () => {
    await answer({ stdout: result({ ok: true, before: empty }) });
    const e = await createPowerShellExecutor({ pwsh, env })
      .apply('t', plan())
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toMatchObject({ kind: 'rejected' });
    expect((e as Error).message).toMatch(/Graph token/);
    expect(existsSync(env.FAKE_RECORD!)).toBe(false);
  });
});
