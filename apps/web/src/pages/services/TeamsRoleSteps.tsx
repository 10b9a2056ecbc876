import { Anchor, Code, Group, List, Stack, Text } from '@mantine/core';
import { teamsRoleSteps } from '../../ui/microsoft.ts';
import { CopyValue, MicrosoftText } from '../../ui/MicrosoftText.tsx';

const ENTRA = 'https://entra.microsoft.com';

/**
 * What the tenant's admin does when Trunkline could not give the automation the Teams Administrator role
 * itself: numbered steps, the values to paste with copy buttons; any other message as it is.
 */
export function TeamsRoleMessage({ message, missing }: { message: string; missing: boolean }) {
  const steps = teamsRoleSteps(message);
  if (!steps) return <MicrosoftText text={message} />;
  return (
    <Stack gap={6}>
      {steps.why && <MicrosoftText text={steps.why} />}
      <Text size="sm" c={missing ? 'orange.8' : undefined}>
        A Global Administrator or Privileged Role Administrator of the tenant does this once:
      </Text>
      <List type="ordered" size="sm" spacing={4} aria-label="Steps to assign the role">
        <List.Item>
          <Group gap={4} wrap="nowrap">
            <Text size="sm">
              Sign in to the Microsoft Entra admin center,{' '}
              <Anchor href={ENTRA} target="_blank" rel="noreferrer" size="sm">
                entra.microsoft.com
              </Anchor>
              .
            </Text>
            <CopyValue value={ENTRA} label="admin center address" />
          </Group>
        </List.Item>
        <List.Item>Open Identity → Roles &amp; admins.</List.Item>
        <List.Item>
          <Group gap={4} wrap="nowrap">
            <Text size="sm">
              Choose the role <Code>{steps.roleName}</Code>, then Add assignments.
            </Text>
            <CopyValue value={steps.roleName} label="role name" />
          </Group>
        </List.Item>
        <List.Item>
          <Group gap={4} wrap="nowrap">
            <Text size="sm">
              Select the enterprise application with application ID <Code>{steps.appId}</Code>, then Assign.
            </Text>
            <CopyValue value={steps.appId} label="application ID" />
          </Group>
        </List.Item>
        <List.Item>Come back here and press Re-check role.</List.Item>
      </List>
    </Stack>
  );
}
