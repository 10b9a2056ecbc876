import { SimpleGrid, Text } from '@mantine/core';
import { ShownOnce } from '../../ui/ShownOnce.tsx';

/** Recovery codes, the one time they are visible: the server keeps only their hashes. */
export function RecoveryCodesShownOnce({ codes, onDone }: { codes: string[]; onDone?: () => void }) {
  return (
    <ShownOnce
      title="Save your recovery codes"
      warning="Each code signs you in once if you lose your authenticator app. Keep them somewhere safe; they will not be shown again."
      copyValue={codes.join('\n')}
      copyLabel="Copy codes"
      doneLabel="I have saved them"
      onDone={onDone}
    >
      <SimpleGrid cols={2} spacing="xs" role="list" aria-label="Recovery codes">
        {codes.map((c) => (
          <Text key={c} ff="monospace" size="sm" role="listitem">
            {c}
          </Text>
        ))}
      </SimpleGrid>
    </ShownOnce>
  );
}
