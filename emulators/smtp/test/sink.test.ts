import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../src/index.ts';

describe('sandbox SMTP sink', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.stop());

  it('receives a real SMTP message and shows it in its inbox', async () => {
    const transport = nodemailer.createTransport(`smtp://127.0.0.1:${sink.smtpPort}`);
    await transport.sendMail({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Hello <there>',
      text: 'plain body',
      html: '<p>html body</p>',
    });
    const list = (await (await fetch(`${sink.httpUrl}/api/messages`)).json()) as {
      id: number;
      subject: string;
      to: string[];
      text: string;
    }[];
    expect(list).toEqual([
      expect.objectContaining({
        subject: 'Hello <there>',
        to: ['b@example.com'],
        text: expect.stringContaining('plain body'),
      }),
    ]);
    const inbox = await (await fetch(`${sink.httpUrl}/`)).text();
    expect(inbox).toContain('Hello &#60;there&#62;');
    expect(await (await fetch(`${sink.httpUrl}/messages/${list[0]!.id}`)).text()).toContain(
      '<p>html body</p>',
    );
  });
});

describe('SMTP sink outage', () => {
  it('refuses connections while suspended, keeps its inbox, and receives again on the same port', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = nodemailer.createTransport(`smtp://127.0.0.1:${sink.smtpPort}`);
      const send = (subject: string) =>
        transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject, text: subject });
      await send('before');
      await sink.suspend();
      await expect(send('during')).rejects.toMatchObject({ code: 'ESOCKET' });
      await sink.resume();
      await send('after');
      expect(sink.messages.map((m) => m.subject)).toEqual(['before', 'after']);
    } finally {
      await sink.stop();
    }
  });
});
