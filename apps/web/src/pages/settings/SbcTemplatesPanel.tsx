import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Code,
  Grid,
  Group,
  List,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery } from '@tanstack/react-query';
import {
  SbcModels,
  SbcTemplateWriteSchema,
  sbcModelLabels,
  type FieldError,
  type SbcModelName,
  type SbcTemplateList,
  type SbcTemplateView,
  type SbcTemplateWrite,
} from '@trunkline/contracts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { sbcTemplates } from '../../api/sbcs.ts';
import { ConfirmModal } from '../../ui/ConfirmModal.tsx';
import { useChangeDone, zodValidate } from '../../ui/form.ts';

type Values = {
  name: string;
  model: SbcModelName;
  firmwareFamily: string;
  onboarding: string;
  cleanup: string;
};

const toBody = (v: Values): SbcTemplateWrite => ({
  name: v.name,
  model: v.model,
  firmwareFamily: v.firmwareFamily.trim() === '' ? null : v.firmwareFamily,
  onboarding: v.onboarding,
  cleanup: v.cleanup,
});

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } };

/** The problems the server found in one part, each naming its line. */
function PartProblems({ id, problems }: { id: string; problems: FieldError[] }) {
  if (problems.length === 0) return null;
  return (
    <Alert color="red" role="alert" id={id} p="xs">
      <List size="sm" spacing={2}>
        {problems.map((p, i) => (
          <List.Item key={i}>{p.message}</List.Item>
        ))}
      </List>
    </Alert>
  );
}

type Editing = { template: SbcTemplateView | null; copyOf?: SbcTemplateView };

function TemplateEditor({
  editing,
  editable,
  onSaved,
}: {
  editing: Editing;
  editable: boolean;
  onSaved: (t: SbcTemplateView) => void;
}) {
  const source = editing.template ?? editing.copyOf ?? null;
  const form = useForm<Values>({
    initialValues: {
      name: editing.template ? editing.template.name : source ? `${source.name} (copy)` : '',
      model: source?.model ?? 'shared-trunk',
      firmwareFamily: source?.firmwareFamily ?? '',
      onboarding: source?.onboarding ?? '',
      cleanup: source?.cleanup ?? '',
    },
    validate: zodValidate(SbcTemplateWriteSchema, toBody),
  });
  const [problems, setProblems] = useState<FieldError[]>([]);
  const done = useChangeDone<SbcTemplateView>({
    invalidate: [sbcTemplates.key],
    successMessage: (t) => `Template ${t.name} saved.`,
    onSuccess: onSaved,
  });
  const save = useMutation({
    mutationFn: (body: SbcTemplateWrite) =>
      editing.template ? sbcTemplates.update(editing.template.id, body) : sbcTemplates.create(body),
    onMutate: () => setProblems([]),
    onSuccess: done,
    onError: (error) => {
      if (!(error instanceof ApiError)) return;
      setProblems(error.errors.filter((e) => e.path === 'onboarding' || e.path === 'cleanup'));
      form.setErrors(
        Object.fromEntries(
          Object.entries(error.fieldErrors).filter(([path]) => path !== 'onboarding' && path !== 'cleanup'),
        ),
      );
    },
  });
  const of = (part: 'onboarding' | 'cleanup') => problems.filter((p) => p.path === part);
  const other =
    save.error && !(save.error instanceof ApiError && save.error.errors.length > 0)
      ? errorMessage(save.error)
      : null;

  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(toBody(values)))} noValidate>
      <Stack>
        {other && (
          <Alert color="red" role="alert">
            {other}
          </Alert>
        )}
        <Group grow align="flex-start">
          <TextInput label="Name" readOnly={!editable} {...form.getInputProps('name')} />
          <Select
            label="Configuration model"
            data={SbcModels.map((m) => ({ value: m, label: sbcModelLabels[m] }))}
            allowDeselect={false}
            readOnly={!editable}
            {...form.getInputProps('model')}
          />
          <TextInput
            label="Firmware family"
            description="A versionID prefix, e.g. 7.4; empty: any firmware."
            readOnly={!editable}
            {...form.getInputProps('firmwareFamily')}
          />
        </Group>
        <Textarea
          label="Onboarding (incremental INI)"
          description="Uploaded with PUT /api/v1/files/ini/incremental; never a full INI."
          autosize
          minRows={8}
          maxRows={24}
          spellCheck={false}
          readOnly={!editable}
          styles={mono}
          aria-describedby={of('onboarding').length > 0 ? 'onboarding-problems' : undefined}
          {...form.getInputProps('onboarding')}
          error={of('onboarding').length > 0 ? (form.errors.onboarding ?? true) : form.errors.onboarding}
        />
        <PartProblems id="onboarding-problems" problems={of('onboarding')} />
        <Textarea
          label="Cleanup (incremental CLI script)"
          description="Run on offboarding: removes exactly the rows onboarding wrote."
          autosize
          minRows={6}
          maxRows={20}
          spellCheck={false}
          readOnly={!editable}
          styles={mono}
          aria-describedby={of('cleanup').length > 0 ? 'cleanup-problems' : undefined}
          {...form.getInputProps('cleanup')}
          error={of('cleanup').length > 0 ? (form.errors.cleanup ?? true) : form.errors.cleanup}
        />
        <PartProblems id="cleanup-problems" problems={of('cleanup')} />
        {editable && (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {editing.template ? 'Save template' : 'Add template'}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

function Variables({ variables }: { variables: SbcTemplateList['variables'] }) {
  return (
    <Stack gap="xs">
      <Title order={4}>Variables</Title>
      {variables.map((v) => (
        <div key={v.name}>
          <Code>{v.name}</Code>
          <Text size="xs" c="dimmed">
            {v.description}
          </Text>
        </div>
      ))}
      <Text size="xs" c="dimmed">
        Saving checks every line: unknown variables, INI and CLI syntax, and that the cleanup removes each row
        the onboarding writes. A problem names its line.
      </Text>
    </Stack>
  );
}

/** The provider's SBC templates: pick one, edit its onboarding INI and cleanup CLI beside the variables. */
export function SbcTemplatesPanel({ editable }: { editable: boolean }) {
  const query = useQuery({ queryKey: sbcTemplates.key, queryFn: sbcTemplates.list });
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<SbcTemplateView | null>(null);
  const items = query.data?.items ?? [];
  const current = items.find((t) => t.id === selected) ?? items[0] ?? null;

  if (query.error)
    return (
      <Alert color="red" role="alert">
        {errorMessage(query.error)}
      </Alert>
    );
  if (!query.data) return <Text size="sm">Loading templates …</Text>;

  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 8 }}>
        <Stack>
          <Group align="flex-end">
            <Select
              label="Template"
              data={items.map((t) => ({
                value: t.id,
                label: `${t.name} — ${sbcModelLabels[t.model]}${t.firmwareFamily ? `, firmware ${t.firmwareFamily}` : ''}`,
              }))}
              value={adding ? null : (current?.id ?? null)}
              onChange={(v) => {
                setAdding(false);
                setSelected(v);
              }}
              allowDeselect={false}
              style={{ flex: 1 }}
            />
            {editable && (
              <>
                <Button variant="default" onClick={() => setAdding(true)} disabled={adding}>
                  New from this one
                </Button>
                {current && !adding && (
                  <Button variant="subtle" color="red" onClick={() => setDeleting(current)}>
                    Delete
                  </Button>
                )}
              </>
            )}
          </Group>
          {current?.builtIn && !adding && (
            <Badge variant="light" color="gray" w="fit-content">
              Built in — your first change stores all templates
            </Badge>
          )}
          {(adding || current) && (
            <TemplateEditor
              key={adding ? `new-${current?.id ?? ''}` : current!.id}
              editing={
                adding ? { template: null, ...(current ? { copyOf: current } : {}) } : { template: current }
              }
              editable={editable}
              onSaved={(t) => {
                setAdding(false);
                setSelected(t.id);
              }}
            />
          )}
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Variables variables={query.data.variables} />
      </Grid.Col>
      {deleting && (
        <DeleteTemplate
          template={deleting}
          last={items.length === 1}
          onClose={() => {
            setDeleting(null);
            setSelected(null);
          }}
        />
      )}
    </Grid>
  );
}

function DeleteTemplate({
  template,
  last,
  onClose,
}: {
  template: SbcTemplateView;
  last: boolean;
  onClose: () => void;
}) {
  return (
    <ConfirmModal
      title="Delete template"
      confirmLabel="Delete template"
      action={() => sbcTemplates.remove(template.id)}
      invalidate={[sbcTemplates.key]}
      successMessage={() => `Template ${template.name} deleted.`}
      onClose={onClose}
    >
      Delete the template {template.name}? Services already configured keep what was written for them.
      {last ? ' It is the last one: Trunkline’s built-in templates apply again.' : ''}
    </ConfirmModal>
  );
}
