import { useState } from 'react';
import { Anchor } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { InvitationStatuses, invitationStatusLabels } from '@trunkline/contracts';
import type { Invitation, InvitationStatus } from '@trunkline/contracts';
import { invitations } from '../api/invitations.ts';
import { services } from '../api/services.ts';
import { actionsColumn } from '../ui/actions.tsx';
import { ConfirmModal } from '../ui/ConfirmModal.tsx';
import type { Column } from '../ui/DataTable.tsx';
import { ListPage } from '../ui/ListPage.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useListParams, usePagedQuery } from '../ui/list.ts';
import { StatusCustomerFilters } from '../ui/StatusCustomerFilters.tsx';
import { notifyError, notifySuccess } from '../ui/notify.ts';
import { InvitationStatusBadge } from './invitations/InvitationStatusBadge.tsx';
import { LinkModal } from './invitations/LinkModal.tsx';

const statusOptions = InvitationStatuses.map((status) => ({
  value: status,
  label: invitationStatusLabels[status],
}));

/** A link that still works: it can be copied or revoked. */
const usable: readonly InvitationStatus[] = ['queued', 'sent', 'send-failed', 'opened'];
/** Resending issues a new link with a new expiry, which also revives an expired invitation. */
const resendable: readonly InvitationStatus[] = [...usable, 'expired'];

async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // not a secure context, or the permission was refused
  }
}

type Dialog = { kind: 'revoke'; invitation: Invitation } | { kind: 'link'; link: string } | null;

export function InvitationsPage() {
  const queryClient = useQueryClient();
  const list = useListParams(['status', 'customerId']);
  const query = usePagedQuery(invitations, list.params);
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);

  const copyLink = useMutation({
    mutationFn: (invitation: Invitation) => invitations.link(invitation.id),
    onSuccess: async (link) => {
      if (await copyToClipboard(link)) notifySuccess('Invitation link copied to the clipboard.');
      else setDialog({ kind: 'link', link });
    },
    onError: notifyError,
  });
  const resend = useMutation({
    mutationFn: (invitation: Invitation) => invitations.resend(invitation.id),
    onSuccess: (sent) => {
      void queryClient.invalidateQueries({ queryKey: invitations.key });
      void queryClient.invalidateQueries({ queryKey: services.key });
      notifySuccess(
        `Invitation to ${sent.email} sent again; the new link expires ${formatDateTime(sent.expiresAt)}.`,
      );
    },
    onError: notifyError,
  });

  const columns: Column<Invitation>[] = [
    {
      key: 'service',
      header: 'Service',
      render: (i) => (
        <Anchor component={Link} to={`/services/${encodeURIComponent(i.serviceId)}`} size="sm">
          {i.serviceName}
        </Anchor>
      ),
    },
    { key: 'customer', header: 'Customer', render: (i) => i.customerName },
    { key: 'email', header: 'Invitation e-mail', render: (i) => i.email },
    { key: 'created', nowrap: true, header: 'Created', render: (i) => formatDateTime(i.createdAt) },
    {
      key: 'lastSent',
      nowrap: true,
      header: 'Last sent',
      render: (i) => formatDateTime(i.lastSentAt, 'Not yet'),
    },
    { key: 'attempts', header: 'Send attempts', render: (i) => i.sendAttempts },
    { key: 'expires', nowrap: true, header: 'Expires at', render: (i) => formatDateTime(i.expiresAt) },
    { key: 'status', header: 'Status', render: (i) => <InvitationStatusBadge invitation={i} /> },
    actionsColumn<Invitation>([
      { label: 'Copy link', onClick: (i) => copyLink.mutate(i), hidden: (i) => !usable.includes(i.status) },
      { label: 'Resend', onClick: (i) => resend.mutate(i), hidden: (i) => !resendable.includes(i.status) },
      {
        label: 'Revoke',
        danger: true,
        onClick: (invitation) => setDialog({ kind: 'revoke', invitation }),
        hidden: (i) => !usable.includes(i.status),
      },
    ]),
  ];

  return (
    <ListPage
      title="Pending invitations"
      description="Links sent to customers' IT administrators to connect their Microsoft 365 tenant."
      list={list}
      query={query}
      columns={columns}
      rowKey={(i) => i.id}
      emptyText="No invitations yet. They are sent from the new-tenant form."
      filters={<StatusCustomerFilters list={list} statusOptions={statusOptions} />}
    >
      {dialog?.kind === 'link' && <LinkModal link={dialog.link} onClose={close} />}
      {dialog?.kind === 'revoke' && (
        <ConfirmModal
          title="Revoke invitation"
          confirmLabel="Revoke invitation"
          action={() => invitations.revoke(dialog.invitation.id)}
          invalidate={[invitations.key, services.key]}
          successMessage={() => `Invitation to ${dialog.invitation.email} revoked.`}
          onClose={close}
        >
          Revoke the invitation to {dialog.invitation.email} for {dialog.invitation.serviceName}? The link
          stops working at once.
        </ConfirmModal>
      )}
    </ListPage>
  );
}
