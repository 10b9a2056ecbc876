import type { ReactNode } from 'react';
import { Group, Paper, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { BarChart, DonutChart } from '@mantine/charts';
import { IconInfoCircle } from '@tabler/icons-react';
import type { QoeSummary } from '@trunkline/contracts';
import {
  percentileCharts,
  poorByMetricRows,
  serviceRows,
  sipCodeRows,
  thresholdList,
  timelineRows,
} from './chartData.ts';
import { formatCount, formatPercent } from './format.ts';
import { ThresholdLegend } from './ThresholdLegend.tsx';

/** A titled panel for one chart; `summary` is the chart in words for screen readers and a glance. */
function ChartPanel({
  id,
  title,
  summary,
  extra,
  children,
}: {
  id: string;
  title: string;
  summary: string;
  extra?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Paper
      withBorder
      p="md"
      component="section"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-summary`}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h5" id={`${id}-title`}>
            {title}
          </Title>
          {extra}
        </Group>
        <Text size="sm" c="dimmed" id={`${id}-summary`}>
          {summary}
        </Text>
        {children}
      </Stack>
    </Paper>
  );
}

function ThresholdHint({ thresholds }: { thresholds: QoeSummary['thresholds'] }) {
  const text = thresholdList(thresholds)
    .map((t) => t.text)
    .join(' · ');
  return (
    <Tooltip label={`Poor: ${text}`} multiline w={280} withinPortal>
      <IconInfoCircle size={18} stroke={1.6} aria-label={`Poor when ${text}`} tabIndex={0} role="img" />
    </Tooltip>
  );
}

const countFormat = (v: number) => formatCount(v);
const pctFormat = (v: number) => formatPercent(v / 100);

/** The dashboard's charts for one summary. */
export function QoeCharts({ summary }: { summary: QoeSummary }) {
  const { calls, streams, thresholds } = summary;
  const timeline = timelineRows(summary);
  const sipCodes = sipCodeRows(summary);
  const services = serviceRows(summary);
  const percentiles = percentileCharts(summary);

  return (
    <Stack>
      <ChartPanel
        id="qoe-calls"
        title="Calls over time"
        summary={
          calls.total === 0
            ? `No call attempts in the Direct Routing log for this range yet: it is read a few minutes after calls and every 15 minutes.`
            : `${formatCount(calls.answered)} answered and ${formatCount(calls.failed)} failed call attempts (Direct Routing log).`
        }
      >
        <BarChart
          h={260}
          data={timeline}
          dataKey="label"
          type="stacked"
          withLegend
          valueFormatter={countFormat}
          series={[
            { name: 'answered', label: 'Answered', color: 'teal.6' },
            { name: 'failed', label: 'Failed', color: 'red.6' },
          ]}
          xAxisProps={{ minTickGap: 24 }}
          yAxisProps={{ allowDecimals: false }}
        />
      </ChartPanel>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel
          id="qoe-success"
          title="Success rate"
          summary={
            calls.successRate === null
              ? 'No call attempts in the Direct Routing log for this range yet.'
              : `${formatPercent(calls.successRate)} of ${formatCount(calls.total)} call attempts were answered.`
          }
        >
          {calls.total > 0 && (
            <Group justify="center">
              <DonutChart
                size={180}
                thickness={26}
                withTooltip
                chartLabel={calls.successRate === null ? '—' : formatPercent(calls.successRate)}
                valueFormatter={countFormat}
                data={[
                  { name: 'Answered', value: calls.answered, color: 'teal.6' },
                  { name: 'Failed', value: calls.failed, color: 'red.6' },
                ]}
              />
            </Group>
          )}
        </ChartPanel>
        <ChartPanel
          id="qoe-sip"
          title="Top final SIP codes"
          summary={
            sipCodes.length === 0
              ? 'No final SIP codes logged in the range.'
              : `Most frequent: ${sipCodes[0]!.code} (${formatCount(sipCodes[0]!.answered + sipCodes[0]!.failed)} calls).`
          }
        >
          {sipCodes.length > 0 && (
            <BarChart
              h={Math.max(140, sipCodes.length * 32 + 40)}
              data={sipCodes}
              dataKey="code"
              orientation="vertical"
              type="stacked"
              valueFormatter={countFormat}
              yAxisProps={{ width: 170, interval: 0 }}
              xAxisProps={{ allowDecimals: false }}
              series={[
                { name: 'answered', label: 'Answered', color: 'teal.6' },
                { name: 'failed', label: 'Failed', color: 'red.6' },
              ]}
            />
          )}
        </ChartPanel>
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel
          id="qoe-poor"
          title="Poor streams"
          summary={
            streams.poorShare === null
              ? 'No media streams in the range.'
              : `${formatPercent(streams.poorShare)} of ${formatCount(streams.streams)} streams were poor (${formatCount(streams.poorCalls)} of ${formatCount(streams.callRecords)} calls had at least one).`
          }
          extra={<ThresholdHint thresholds={thresholds} />}
        >
          <BarChart
            h={200}
            data={timeline}
            dataKey="label"
            valueFormatter={pctFormat}
            series={[{ name: 'poorSharePct', label: 'Poor streams', color: 'orange.6' }]}
            xAxisProps={{ minTickGap: 24 }}
            yAxisProps={{ domain: [0, 100] }}
          />
          <ThresholdLegend thresholds={thresholds} />
        </ChartPanel>
        <ChartPanel
          id="qoe-poor-by"
          title="Poor streams by threshold"
          summary="Streams over each of Microsoft's thresholds (a stream can exceed several)."
        >
          <BarChart
            h={220}
            data={poorByMetricRows(summary)}
            dataKey="metric"
            orientation="vertical"
            valueFormatter={countFormat}
            yAxisProps={{ width: 170, interval: 0 }}
            xAxisProps={{ allowDecimals: false }}
            series={[{ name: 'streams', label: 'Poor streams', color: 'orange.6' }]}
          />
        </ChartPanel>
      </SimpleGrid>

      <Paper withBorder p="md" component="section" aria-labelledby="qoe-percentiles-title">
        <Stack gap="xs">
          <Title order={3} size="h5" id="qoe-percentiles-title">
            Percentiles of the streams&apos; averages
          </Title>
          <Text size="sm" c="dimmed">
            Half of the streams (p50), nine in ten (p90) and 19 in 20 (p95) stayed at or below these values;
            the dashed line is Microsoft&apos;s poor threshold.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            {percentiles.map((chart) => (
              <Stack key={chart.key} gap={4} aria-label={`${chart.title} percentiles`} role="group">
                <Text size="sm" fw={500}>
                  {chart.title}
                </Text>
                <BarChart
                  h={180}
                  data={chart.rows}
                  dataKey="percentile"
                  valueFormatter={chart.format}
                  series={[{ name: 'value', label: chart.title, color: 'indigo.6' }]}
                  referenceLines={[
                    {
                      y: chart.threshold,
                      color: 'red.6',
                      label: `Poor > ${chart.format(chart.threshold)}`,
                      labelPosition: 'insideTopLeft',
                    },
                  ]}
                  yAxisProps={{
                    domain: [0, (max: number) => Math.max(max, chart.threshold) * 1.1],
                    width: 60,
                  }}
                />
              </Stack>
            ))}
          </SimpleGrid>
        </Stack>
      </Paper>

      <ChartPanel
        id="qoe-services"
        title="Top services by poor calls"
        summary={
          services.length === 0
            ? 'No service had a call with a poor stream in the range.'
            : `${services[0]!.service} (${services[0]!.customer}) had the most calls with a poor stream: ${formatCount(services[0]!.poorCalls)}.`
        }
      >
        {services.length > 0 && (
          <BarChart
            h={Math.max(120, services.length * 36 + 40)}
            data={services.map((s) => ({ ...s, name: `${s.service} (${s.customer})` }))}
            dataKey="name"
            orientation="vertical"
            type="stacked"
            withLegend
            valueFormatter={countFormat}
            yAxisProps={{ width: 220, interval: 0 }}
            xAxisProps={{ allowDecimals: false }}
            series={[
              { name: 'poorCalls', label: 'Calls with a poor stream', color: 'orange.6' },
              { name: 'goodCalls', label: 'Other calls', color: 'gray.4' },
            ]}
          />
        )}
      </ChartPanel>
    </Stack>
  );
}
