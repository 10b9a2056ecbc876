import { Anchor, List, Stack, Text } from '@mantine/core';
import type { QoeSummary } from '@trunkline/contracts';
import { THRESHOLDS_SOURCE, thresholdList } from './chartData.ts';

/** Microsoft's thresholds, named where poor streams are counted, with the page they come from. */
export function ThresholdLegend({ thresholds }: { thresholds: QoeSummary['thresholds'] }) {
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed">
        A stream is poor when any average exceeds Microsoft&apos;s Call Quality Dashboard threshold (
        <Anchor href={THRESHOLDS_SOURCE} target="_blank" rel="noreferrer" size="xs">
          stream classification
        </Anchor>
        ):
      </Text>
      <List size="xs" c="dimmed" spacing={0} aria-label="Poor-stream thresholds">
        {thresholdList(thresholds).map((t) => (
          <List.Item key={t.metric}>{t.text}</List.Item>
        ))}
      </List>
    </Stack>
  );
}
