import type { Transporter } from 'nodemailer';

export type MailMessage = { to: string; subject: string; text: string; html: string };

/** The port for outgoing e-mail. */
export type Mailer = { send(message: MailMessage): Promise<{ messageId: string }> };

/** SMTP through nodemailer. Without SMTP_URL every send fails with a message saying how to configure it. */
export function createSmtpMailer(options: { url: string | undefined; from: string }): Mailer {
  const url = options.url;
  // nodemailer (and its transports) is loaded with the first message, not at start-up: a server that sends no
  // mail never needs it (issue #14, memory).
  let transport: Promise<Transporter> | undefined;
  return {
    async send(message) {
      if (!url)
        throw new Error(
          'No mail server is configured: set SMTP_URL (for example smtp://mail.example.com:587).',
        );
      transport ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport(url, { from: options.from }),
      );
      const info = await (await transport).sendMail({ from: options.from, ...message });
      return { messageId: info.messageId };
    },
  };
}
