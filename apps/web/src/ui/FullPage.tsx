import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import { errorMessage } from '../api/client.ts';

export function FullPageLoader() {
  return (
    <Center h="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function FullPageError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Center h="100vh" p="md">
      <Stack align="center" maw={480}>
        <Alert color="red" title="Trunkline could not load" role="alert">
          {errorMessage(error)}
        </Alert>
        {onRetry && <Button onClick={onRetry}>Try again</Button>}
      </Stack>
    </Center>
  );
}
