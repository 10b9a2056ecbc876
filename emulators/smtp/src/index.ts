import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP sink for the sandbox: accepts every message on loopback (no TLS, no auth) and shows it in an
 * inbox page. `GET /api/messages` lists messages as JSON for tests; `DELETE /api/messages` empties the inbox.
 */
export type StoredMessage = {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
};

export type SmtpSink = {
  smtpPort: number;
  httpUrl: string;
  messages: StoredMessage[];
  /**
   * A mail server outage: the SMTP port stops listening (connections are refused); the inbox and its page stay.
   * `resume()` listens on the same port again.
   */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startSmtpSink(
  options: { smtpPort?: number; httpPort?: number; host?: string } = {},
): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const messages: StoredMessage[] = [];
  let nextId = 1;

  const createSmtp = () =>
    new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      banner: 'Trunkline sandbox mail sink',
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            messages.push({
              id: nextId++,
              receivedAt: new Date().toISOString(),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
  const listen = async (port: number) => {
    const server = createSmtp();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server;
  };
  let smtp: SMTPServer | null = await listen(options.smtpPort ?? 0);
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const closeSmtp = async () => {
    const server = smtp;
    smtp = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    if (url.pathname === '/api/messages' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(messages));
      return;
    }
    if (url.pathname === '/api/messages' && req.method === 'DELETE') {
      messages.length = 0;
      res.writeHead(204).end();
      return;
    }
    const m = /^\/messages\/(\d+)$/.exec(url.pathname);
    if (m) {
      const msg = messages.find((x) => x.id === Number(m[1]));
      if (!msg) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('No such message');
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "script-src 'none'",
        })
        .end(msg.html || `<pre>${escape(msg.text)}</pre>`);
      return;
    }
    if (url.pathname === '/') {
      const rows = [...messages]
        .reverse()
        .map(
          (x) =>
            `<tr><td>${escape(x.receivedAt)}</td><td>${escape(x.to.join(', '))}</td><td><a href="/messages/${x.id}">${escape(x.subject)}</a></td></tr>`,
        )
        .join('');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><title>Sandbox inbox</title><body style="font-family:system-ui,sans-serif;margin:2rem"><h1>Sandbox inbox</h1><p>Every e-mail Trunkline sends in the sandbox arrives here (SMTP port ${smtpPort}).</p><table cellpadding="6"><thead><tr><th align="left">Received</th><th align="left">To</th><th align="left">Subject</th></tr></thead><tbody>${rows || '<tr><td colspan="3">No messages yet.</td></tr>'}</tbody></table></body>`,
        );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 0, host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;

  return {
    smtpPort,
    httpUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${httpPort}`,
    messages,
    suspend: closeSmtp,
    async resume() {
      smtp ??= await listen(smtpPort);
    },
    async stop() {
      await closeSmtp();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
