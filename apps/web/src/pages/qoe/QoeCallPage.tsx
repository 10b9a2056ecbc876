import {
  Alert,
  Anchor,
  Badge,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation, useParams } from 'react-router-dom';
import type { QoeCallDetail, QoePoorMetric, QoeStreamDetail } from '@trunkline/contracts';
import { errorMessage } from '../../api/client.ts';
import { qoe } from '../../api/qoe.ts';
import { Field } from '../../ui/Field.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { thresholdText } from './chartData.ts';
import {
  formatDuration,
  formatMs,
  formatPercent,
  formatRatio,
  graphWords,
  secondsBetween,
} from './format.ts';
import { ThresholdLegend } from './ThresholdLegend.tsx';

type Thresholds = QoeCallDetail['thresholds'];

const nowrap = { whiteSpace: 'nowrap' } as const;

/** A metric cell: average (and maximum); over Microsoft's threshold it is marked, in words as well as colour. */
function MetricCell({
  avg,
  max,
  metric,
  thresholds,
  poorBy,
}: {
  avg: string;
  max?: string | undefined;
  metric: QoePoorMetric;
  thresholds: Thresholds;
  poorBy: QoeStreamDetail['poorBy'];
}) {
  const poor = poorBy[metric];
  const maxLine = max ? (
    <Text size="xs" c={poor ? 'red.8' : 'dimmed'}>
      max {max}
    </Text>
  ) : null;
  if (!poor)
    return (
      <Table.Td style={nowrap}>
        {avg}
        {maxLine}
      </Table.Td>
    );
  return (
    <Table.Td data-poor="true" bg="red.0" style={nowrap}>
      <Tooltip label={`Poor: ${thresholdText(metric, thresholds)}`} withinPortal>
        <Text size="sm" c="red.8" fw={700} span tabIndex={0}>
          {avg}
          <Text span size="xs" fw={600}>
            {' '}
            poor
          </Text>
        </Text>
      </Tooltip>
      {maxLine}
    </Table.Td>
  );
}

/** The stream's figures that are numbers (or missing). */
type StreamFigure = {
  [K in keyof QoeStreamDetail]: QoeStreamDetail[K] extends number | null ? K : never;
}[keyof QoeStreamDetail];

/** The streams table's metric columns, in order: the figures of the average (and maximum) and how they read. */
const METRIC_COLUMNS: {
  metric: QoePoorMetric;
  label: string;
  format: (value: number | null) => string;
  avg: StreamFigure;
  max?: StreamFigure;
}[] = [
  { metric: 'jitter', label: 'Jitter', format: formatMs, avg: 'avgJitterMs', max: 'maxJitterMs' },
  {
    metric: 'packetLoss',
    label: 'Packet loss',
    format: formatPercent,
    avg: 'avgPacketLoss',
    max: 'maxPacketLoss',
  },
  {
    metric: 'roundTrip',
    label: 'Round trip',
    format: formatMs,
    avg: 'avgRoundTripMs',
    max: 'maxRoundTripMs',
  },
  { metric: 'audioDegradation', label: 'Degradation', format: formatRatio, avg: 'avgAudioDegradation' },
  {
    metric: 'concealedRatio',
    label: 'Concealed',
    format: formatPercent,
    avg: 'avgConcealedRatio',
    max: 'maxConcealedRatio',
  },
];

function StreamsTable({ streams, thresholds }: { streams: QoeStreamDetail[]; thresholds: Thresholds }) {
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing={4} fz="sm" withTableBorder aria-label="Media streams">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Stream</Table.Th>
            <Table.Th>Codec</Table.Th>
            {METRIC_COLUMNS.map((c) => (
              <Table.Th key={c.metric}>{c.label}</Table.Th>
            ))}
            <Table.Th>Bypass</Table.Th>
            <Table.Th>Quality</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {streams.map((s, i) => (
            <Table.Tr key={i} data-poor={s.poor ? 'true' : undefined}>
              <Table.Td>{[s.mediaLabel, graphWords(s.direction)].filter(Boolean).join(' · ')}</Table.Td>
              <Table.Td>{s.audioCodec ?? s.videoCodec ?? '—'}</Table.Td>
              {METRIC_COLUMNS.map(({ metric, format, avg, max }) => {
                const highest = max ? s[max] : null;
                return (
                  <MetricCell
                    key={metric}
                    metric={metric}
                    avg={format(s[avg])}
                    max={highest === null ? undefined : format(highest)}
                    thresholds={thresholds}
                    poorBy={s.poorBy}
                  />
                );
              })}
              <Table.Td>{s.mediaBypassed === null ? '—' : s.mediaBypassed ? 'Yes' : 'No'}</Table.Td>
              <Table.Td>
                {s.poor ? (
                  <Badge color="red" variant="filled">
                    Poor
                  </Badge>
                ) : (
                  <Badge color="teal" variant="light">
                    Good
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const endpoint = (e: { kind: string; id: string | null }) => `${graphWords(e.kind)}${e.id ? ` ${e.id}` : ''}`;

function CallBody({ call }: { call: QoeCallDetail }) {
  return (
    <Stack>
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="lg">
          <Field label="Started">{formatDateTime(call.startAt)}</Field>
          <Field label="Duration">{formatDuration(secondsBetween(call.startAt, call.endAt))}</Field>
          <Field label="Service">
            <Anchor component={Link} to={`/services/${encodeURIComponent(call.serviceId)}`} size="sm">
              {call.serviceName}
            </Anchor>{' '}
            ({call.customerName})
          </Field>
          <Field label="Type">
            {graphWords(call.type)}
            {call.hasPstn ? ' · PSTN (Direct Routing)' : ''} · {call.modalities.join(', ') || '—'}
          </Field>
          <Field label="Streams">
            {call.streamCount}
            {call.poorStreamCount > 0 ? `, ${call.poorStreamCount} poor` : ', none poor'}
          </Field>
          <Field label="Sessions">{call.sessionCount}</Field>
          <Field label="Failure">{call.failureReason ?? 'None'}</Field>
          <Field label="Call record">
            <Text size="xs" ff="monospace" component="span">
              {call.callId}
            </Text>{' '}
            (version {call.version})
          </Field>
        </SimpleGrid>
      </Paper>
      <ThresholdLegend thresholds={call.thresholds} />
      {call.sessions.length === 0 && (
        <Text c="dimmed">Microsoft reported no media streams for this call.</Text>
      )}
      {call.sessions.map((session, si) => (
        <Paper key={session.id} withBorder p="md" component="section" aria-label={`Session ${si + 1}`}>
          <Stack gap="sm">
            <Group gap="xs">
              <Title order={3} size="h5">
                Session {si + 1}
              </Title>
              <Text size="sm" c="dimmed">
                {session.modalities.join(', ')}
              </Text>
            </Group>
            {session.segments.map((segment, gi) => (
              <Stack key={segment.id} gap={6} aria-label={`Segment ${gi + 1}`} role="group">
                <Text size="sm" fw={500}>
                  Segment {gi + 1}: {endpoint(segment.caller)} → {endpoint(segment.callee)}
                </Text>
                {(segment.failureStage || segment.failureReason) && (
                  <Text size="sm" c="red.8">
                    Failed{segment.failureStage ? ` at ${graphWords(segment.failureStage)}` : ''}
                    {segment.failureReason ? `: ${segment.failureReason}` : ''}
                  </Text>
                )}
                <StreamsTable streams={segment.streams} thresholds={call.thresholds} />
              </Stack>
            ))}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}

/** One call record: its sessions, segments and media streams, poor metrics marked. */
export function QoeCallPage() {
  const { serviceId = '', callId = '' } = useParams();
  const location = useLocation();
  const from = (location.state as { from?: unknown } | null)?.from;
  const back =
    typeof from === 'string' && from.startsWith('/quality')
      ? from
      : `/quality?serviceId=${encodeURIComponent(serviceId)}`;
  const query = useQuery({
    queryKey: qoe.callKey(serviceId, callId),
    queryFn: () => qoe.call(serviceId, callId),
  });
  const call = query.data;
  return (
    <Stack>
      <Anchor component={Link} to={back} size="sm">
        ← Call quality
      </Anchor>
      <Group gap="sm">
        <Title order={2}>Call</Title>
        {call &&
          (call.poorStreamCount > 0 ? (
            <Badge color="red">Poor audio</Badge>
          ) : (
            <Badge color="teal">Good audio</Badge>
          ))}
      </Group>
      {query.isError && (
        <Alert color="red" role="alert">
          {errorMessage(query.error)}
        </Alert>
      )}
      {query.isPending && <Text c="dimmed">Loading…</Text>}
      {call && <CallBody call={call} />}
    </Stack>
  );
}
