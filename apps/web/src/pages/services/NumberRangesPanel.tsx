import {
  ActionIcon,
  Alert,
  Button,
  FileButton,
  Group,
  List,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import {
  NUMBER_RANGES_CSV_MAX_BYTES,
  formatNumberRange,
  parseNumberRange,
  type NumberRange,
  type NumberRangesChanged,
} from '@trunkline/contracts';
import { ApiError, errorMessage } from '../../api/client.ts';
import { numberRanges } from '../../api/numberRanges.ts';
import { useCurrentUser } from '../../auth/CurrentUser.tsx';
import { may } from '../../auth/permissions.ts';
import { FormAlert } from '../../ui/FormAlert.tsx';
import { notifySuccess } from '../../ui/notify.ts';
import {
  bodyOf,
  importPreview,
  lineErrors,
  newRow,
  rowProblems,
  rowsOf,
  serverRowErrors,
  type RangeRow,
} from './numberRanges.ts';

const NOTATION =
  'A number (+4930123456), a prefix ending in * (+4930123* — every number starting with it) or a range (+4930123[1000-1999]).';

const sizeText = (item: NumberRange) =>
  item.size === null ? 'all starting with it' : item.size === 1 ? '1 number' : `${item.size} numbers`;

/**
 * The customer's numbers (issue #11): the SBC routes calls to them to this service's tenant. Provider and
 * channel admins edit the list inline or import CSV (each bad line shown before anything is saved); customer
 * admins see it read-only.
 */
export function NumberRangesPanel({ serviceId }: { serviceId: string }) {
  const me = useCurrentUser();
  const editable = may(me, 'number-ranges.edit');
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: numberRanges.key(serviceId),
    queryFn: () => numberRanges.list(serviceId),
  });
  const stored = query.data?.items;

  // The edited list; null while it is the stored one (which then follows every refresh).
  const [draft, setDraft] = useState<RangeRow[] | null>(null);
  const rows = draft ?? rowsOf(stored ?? []);
  const dirty = draft !== null;
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<{ byRow: Record<number, string>; other: string[] }>({
    byRow: {},
    other: [],
  });
  const saved = (result: NumberRangesChanged, what: string) => {
    queryClient.setQueryData(numberRanges.key(serviceId), { items: result.items });
    setDraft(null);
    setTouched(new Set());
    setAttempted(false);
    setServerErrors({ byRow: {}, other: [] });
    const changes = [
      result.added.length ? `${result.added.length} added` : '',
      result.removed.length ? `${result.removed.length} removed` : '',
    ].filter(Boolean);
    notifySuccess(`${what}${changes.length ? `: ${changes.join(', ')}` : ''}.`);
  };

  const { body, rowOf } = bodyOf(rows);
  const save = useMutation({
    mutationFn: () => numberRanges.replace(serviceId, body),
    onSuccess: (result) => saved(result, 'Number ranges saved'),
    onError: (error) =>
      setServerErrors(
        error instanceof ApiError ? serverRowErrors(error.fieldErrors, rowOf) : { byRow: {}, other: [] },
      ),
  });
  const problems = rowProblems(rows);

  const change = (index: number, patch: Partial<RangeRow>) => {
    setDraft(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
    setServerErrors((e) => ({ ...e, byRow: { ...e.byRow, [index]: '' } }));
  };
  const remove = (index: number) => {
    setDraft(rows.filter((_, i) => i !== index));
    setServerErrors({ byRow: {}, other: [] });
  };
  const add = () => {
    setDraft([...rows, newRow()]);
  };
  const reset = () => {
    setDraft(null);
    setTouched(new Set());
    setAttempted(false);
    setServerErrors({ byRow: {}, other: [] });
  };

  if (query.isError)
    return (
      <Paper withBorder p="md">
        <Title order={4}>Number ranges</Title>
        <Alert color="orange" role="alert" mt="sm">
          {errorMessage(query.error)}
        </Alert>
      </Paper>
    );
  if (!stored) return null;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="number-ranges-title">
      <Stack gap="sm">
        <Title order={4} id="number-ranges-title">
          Number ranges
        </Title>
        <Text size="sm" c="dimmed">
          The customer&apos;s numbers: the SBC sends calls to them to this service&apos;s tenant. {NOTATION}
        </Text>
        {!editable ? (
          stored.length === 0 ? (
            <Text size="sm">No number ranges yet.</Text>
          ) : (
            <Table aria-labelledby="number-ranges-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Range</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Numbers</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {stored.map((item) => (
                  <Table.Tr key={item.id}>
                    <Table.Td>{item.range}</Table.Td>
                    <Table.Td>{item.description}</Table.Td>
                    <Table.Td>{sizeText(item)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        ) : (
          <form
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              setAttempted(true);
              if (Object.keys(problems).length === 0) save.mutate();
            }}
          >
            <Stack gap="xs">
              {rows.length === 0 && (
                <Text size="sm">No number ranges yet: add one or import a CSV file.</Text>
              )}
              {rows.length > 0 && (
                <Table aria-labelledby="number-ranges-title">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Range</Table.Th>
                      <Table.Th>Description</Table.Th>
                      <Table.Th>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((row, i) => {
                      const parsed = parseNumberRange(row.range);
                      const shown =
                        serverErrors.byRow[i] ||
                        ((attempted || touched.has(row.key)) && problems[i]) ||
                        undefined;
                      return (
                        <Table.Tr key={row.key}>
                          <Table.Td>
                            <TextInput
                              aria-label={`Range ${i + 1}`}
                              placeholder="+4930123[1000-1999]"
                              value={row.range}
                              autoFocus={row.range === '' && row.description === '' && dirty}
                              onChange={(e) => change(i, { range: e.currentTarget.value })}
                              onBlur={() => setTouched((t) => new Set(t).add(row.key))}
                              error={shown}
                              inputWrapperOrder={['label', 'input', 'description', 'error']}
                              description={
                                parsed.ok && !shown && formatNumberRange(parsed.range) !== row.range.trim()
                                  ? `Saved as ${formatNumberRange(parsed.range)}`
                                  : undefined
                              }
                            />
                          </Table.Td>
                          <Table.Td>
                            <TextInput
                              aria-label={`Description of range ${i + 1}`}
                              placeholder="Optional"
                              value={row.description}
                              onChange={(e) => change(i, { description: e.currentTarget.value })}
                            />
                          </Table.Td>
                          <Table.Td>
                            <ActionIcon
                              variant="subtle"
                              color="red"
                              aria-label={`Remove range ${i + 1}${row.range ? ` (${row.range})` : ''}`}
                              onClick={() => remove(i)}
                            >
                              ✕
                            </ActionIcon>
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              )}
              <FormAlert
                message={
                  serverErrors.other.length
                    ? serverErrors.other.join(' ')
                    : save.error &&
                        !(save.error instanceof ApiError && Object.keys(serverErrors.byRow).length)
                      ? errorMessage(save.error)
                      : null
                }
              />
              <Group justify="space-between">
                <Button variant="default" onClick={add}>
                  Add range
                </Button>
                <Group>
                  {dirty && (
                    <Button variant="subtle" onClick={reset}>
                      Discard changes
                    </Button>
                  )}
                  <Button type="submit" loading={save.isPending} disabled={!dirty}>
                    Save number ranges
                  </Button>
                </Group>
              </Group>
            </Stack>
          </form>
        )}
        {editable && <CsvImport serviceId={serviceId} stored={stored} onImported={saved} disabled={dirty} />}
      </Stack>
    </Paper>
  );
}

/** Paste or choose a CSV file; each bad line is shown before anything is sent. */
function CsvImport({
  serviceId,
  stored,
  onImported,
  disabled,
}: {
  serviceId: string;
  stored: NumberRange[];
  onImported: (result: NumberRangesChanged, what: string) => void;
  disabled: boolean;
}) {
  const [text, setText] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const preview = useMemo(() => importPreview(text, stored), [text, stored]);
  const importing = useMutation({
    mutationFn: () => numberRanges.importCsv(serviceId, text),
    onSuccess: (result) => {
      setText('');
      onImported(result, 'Number ranges imported');
    },
  });
  const serverLines = importing.error instanceof ApiError ? lineErrors(importing.error.fieldErrors) : [];
  const errors = preview?.errors.length ? preview.errors : serverLines;

  return (
    <Stack gap="xs" mt="sm">
      <Text size="sm" fw={600} id="number-ranges-import">
        Import from CSV
      </Text>
      <Text size="xs" c="dimmed">
        One range per line, optionally a description after a comma or semicolon; a header line
        (range,description) may come first. The ranges are added after those above; nothing is saved while a
        line is wrong.
      </Text>
      <Textarea
        aria-labelledby="number-ranges-import"
        placeholder={'range,description\n+4930123[1000-1999],Berlin office\n+4940555*,Hamburg'}
        autosize
        minRows={3}
        maxRows={12}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          importing.reset();
        }}
      />
      {errors.length > 0 && (
        <Alert color="red" role="alert" title="Lines to correct">
          <List size="sm">
            {errors.map((e, i) => (
              <List.Item key={i}>{e.line === null ? e.message : `Line ${e.line}: ${e.message}`}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <FormAlert
        message={
          fileError ?? (importing.error && serverLines.length === 0 ? errorMessage(importing.error) : null)
        }
      />
      <Group justify="space-between">
        <FileButton
          accept=".csv,text/csv,text/plain"
          onChange={async (file) => {
            setFileError(null);
            importing.reset();
            if (!file) return;
            if (file.size > NUMBER_RANGES_CSV_MAX_BYTES)
              return setFileError(`The file is larger than ${NUMBER_RANGES_CSV_MAX_BYTES / 1024} KiB.`);
            setText(await file.text());
          }}
        >
          {(props) => (
            <Button variant="default" {...props}>
              Choose CSV file…
            </Button>
          )}
        </FileButton>
        <Button
          onClick={() => importing.mutate()}
          loading={importing.isPending}
          disabled={disabled || !preview || preview.items === 0 || preview.errors.length > 0}
          title={disabled ? 'Save or discard the changes above first.' : undefined}
        >
          {preview && preview.errors.length === 0 && preview.items > 0
            ? `Import ${preview.items} range${preview.items === 1 ? '' : 's'}`
            : 'Import'}
        </Button>
      </Group>
    </Stack>
  );
}
