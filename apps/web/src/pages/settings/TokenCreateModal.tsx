import { Select, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiTokenCreateSchema } from '@trunkline/contracts';
import type { ApiTokenCreate, ApiTokenCreated } from '@trunkline/contracts';
import { apiTokens } from '../../api/apiTokens.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

/** Common lifetimes; the server refuses more than the portal's maximum with a message on this field. */
const EXPIRY_CHOICES = [7, 30, 90, 180, 365];

type TokenCreateModalProps = {
  onClose: () => void;
  onCreated: (token: ApiTokenCreated) => void;
};

export function TokenCreateModal({ onClose, onCreated }: TokenCreateModalProps) {
  const form = useForm<ApiTokenCreate>({
    initialValues: { name: '', expiresInDays: 90 },
    validate: zodValidate(ApiTokenCreateSchema),
  });
  const create = useFormMutation(form, {
    mutationFn: apiTokens.create,
    invalidate: [apiTokens.key],
    onSuccess: onCreated,
  });

  return (
    <FormModal
      title="New API token"
      submitLabel="Create token"
      onClose={onClose}
      onSubmit={form.onSubmit((values) => create.mutate(values))}
      submitting={create.isPending}
      alert={create.alert}
    >
      <TextInput
        label="Name"
        description="What the token is for, e.g. the script or system that uses it."
        data-autofocus
        {...form.getInputProps('name')}
      />
      <Select
        label="Expires after"
        description="The token stops working then; create a new one when it does."
        data={EXPIRY_CHOICES.map((d) => ({ value: String(d), label: `${d} days` }))}
        allowDeselect={false}
        value={String(form.values.expiresInDays ?? 90)}
        onChange={(v) => form.setFieldValue('expiresInDays', Number(v ?? 90))}
        error={form.errors.expiresInDays}
      />
    </FormModal>
  );
}
