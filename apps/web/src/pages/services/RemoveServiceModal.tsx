import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { Workflow } from '@trunkline/contracts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { services } from '../../api/services.ts';
import { notifySuccess } from '../../ui/notify.ts';

/**
 * Remove service (offboarding), confirmed by typing the short name exactly as it is written — case included;
 * the button stays disabled until it matches. The server's answer about the field shows beside the field.
 */
export function RemoveServiceModal({
  service,
  onClose,
  onStarted,
}: {
  service: { id: string; shortName: string; fullName: string; trunkFqdn: string };
  onClose: () => void;
  onStarted: (workflow: Workflow) => void;
}) {
  const [typed, setTyped] = useState('');
  const matches = typed === service.shortName;
  const mutation = useMutation({
    mutationFn: () => services.offboard(service.id, typed),
    onSuccess: (workflow) => {
      notifySuccess(`Removing ${service.fullName}…`);
      onStarted(workflow);
      onClose();
    },
  });
  const error = mutation.error;
  const fieldError = error instanceof ApiError ? error.fieldErrors.confirmShortName : undefined;
  const hint =
    typed !== '' && !matches && typed.toLowerCase() === service.shortName.toLowerCase()
      ? `Type it exactly as written: ${service.shortName} (upper and lower case matter).`
      : undefined;
  return (
    <Modal opened onClose={onClose} title={`Remove ${service.fullName}`}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (matches) mutation.mutate();
        }}
        noValidate
      >
        <Stack>
          <Text size="sm">
            This deletes, in the customer tenant and in DNS, what Trunkline created for {service.trunkFqdn}:
          </Text>
          <Text size="sm" component="ul">
            <li>the voice routing policy, voice route and PSTN usage (only if Trunkline created them)</li>
            <li>the activation user and the domain {service.trunkFqdn}</li>
            <li>the DNS records of {service.trunkFqdn} that Trunkline wrote</li>
          </Text>
          <TextInput
            label={`Type ${service.shortName} to confirm`}
            value={typed}
            autoComplete="off"
            data-autofocus
            onChange={(e) => {
              setTyped(e.currentTarget.value);
              if (mutation.isError) mutation.reset();
            }}
            error={fieldError ?? hint}
          />
          {error && !fieldError && (
            <Alert color="red" role="alert">
              {errorMessage(error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={!matches} loading={mutation.isPending}>
              Remove service
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
