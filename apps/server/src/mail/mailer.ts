import nodemailer from 'nodemailer';

export type MailMessage = { to: string; subject: string; text: string; html: string };

/** The port for outgoing e-mail. */
export type Mailer = { send(message: MailMessage): Promise<{ messageId: string }> };

/** SMTP through nodemailer. Without SMTP_URL every send fails with a message saying how to configure it. */
export function createSmtpMailer(options: { url: string | undefined; from: string }): Mailer {
  const transport = options.url ? nodemailer.createTransport(options.url, { from: options.from }) : null;
  return {
    async send(message) {
      if (!transport)
        throw new Error(
          'No mail server is configured: set SMTP_URL (for example smtp://mail.example.com:587).',
        );
      const info = await transport.sendMail({ from: options.from, ...message });
      return { messageId: info.messageId };
    },
  };
}
