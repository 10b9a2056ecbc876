/**
 * The sandbox: emulators of the outside services, started on loopback when their production
 * configuration is absent. Each contributes configuration for the server (never a code path of its own)
 * and a line saying where it runs.
 */
import { loadDefaultSeed, startM365Emulator } from '@trunkline/emulator-m365';
import { startSmtpSink } from '@trunkline/emulator-smtp';

export type Sandbox = { env: Record<string, string>; describe: string[]; stop(): Promise<void> };

export async function startSandbox(env: Record<string, string | undefined>): Promise<Sandbox> {
  const started: Sandbox[] = [];
  if (!env.SMTP_URL) {
    const sink = await startSmtpSink({
      smtpPort: Number(env.SANDBOX_SMTP_PORT ?? 2525),
      httpPort: Number(env.SANDBOX_INBOX_PORT ?? 8025),
    });
    started.push({
      env: { SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`, SANDBOX_INBOX_URL: sink.httpUrl },
      describe: [`  mail (sink)  smtp://127.0.0.1:${sink.smtpPort}, inbox ${sink.httpUrl}`],
      stop: () => sink.stop(),
    });
  }
  if (!env.ENTRA_CLIENT_ID) {
    const m365 = await startM365Emulator({ port: Number(env.SANDBOX_M365_PORT ?? 8030) });
    // The sandbox's demo tenant: contoso has consented to the provider app, so its admin's credentials
    // connect; fabrikam (MFA enforced) and northwind (not consented) show the fallbacks.
    m365.control.consent('contoso');
    const app = loadDefaultSeed().apps[0]!;
    started.push({
      env: {
        ENTRA_AUTHORITY: m365.urls.login,
        ENTRA_CLIENT_ID: app.appId,
        ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
        GRAPH_BASE_URL: m365.urls.graph,
        TEAMS_ADMIN_BASE_URL: m365.urls.teams,
      },
      describe: [
        `  Microsoft 365 (emulator)  ${m365.url} — tenants contoso, fabrikam, northwind (see emulators/m365/README.md)`,
      ],
      stop: () => m365.stop(),
    });
  }
  const out: Sandbox = {
    env: {},
    describe: [],
    async stop() {
      await Promise.allSettled(started.map((s) => s.stop()));
    },
  };
  for (const s of started) {
    Object.assign(out.env, s.env);
    out.describe.push(...s.describe);
  }
  if (started.length > 0 && !env.UI_BANNER_TEXT) {
    out.env.UI_BANNER_TEXT = 'Sandbox: outside services are emulated on this machine.';
    const links = out.env.SANDBOX_INBOX_URL ? [{ label: 'Mail inbox', url: out.env.SANDBOX_INBOX_URL }] : [];
    out.env.UI_BANNER_LINKS = JSON.stringify(links);
  }
  return out;
}
