import { TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiTokenCreateSchema } from '@trunkline/contracts';
import type { ApiTokenCreate, ApiTokenCreated } from '@trunkline/contracts';
import { apiTokens } from '../../api/apiTokens.ts';
import { FormModal } from '../../ui/FormModal.tsx';
import { useFormMutation, zodValidate } from '../../ui/form.ts';

type TokenCreateModalProps = {
  onClose: () => void;
  onCreated: (token: ApiTokenCreated) => void;
};

export function TokenCreateModal({ onClose, onCreated }: TokenCreateModalProps) {
  const form = useForm<ApiTokenCreate>({
    initialValues: { name: '' },
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
    </FormModal>
  );
}
