/**
 * The sandbox: emulators of the outside services, started on loopback when their production
 * configuration is absent. Each contributes configuration for the server (never a code path of its own)
 * and a line saying where it runs.
 */
export type Sandbox = { env: Record<string, string>; describe: string[]; stop(): Promise<void> };

export async function startSandbox(env: Record<string, string | undefined>): Promise<Sandbox> {
  const started: Sandbox[] = [];
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
  }
  return out;
}
